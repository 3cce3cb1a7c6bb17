# Replays the receipt rule of hub/conn/liveness.rs over the bench's seeded event times, with the
# wire cost of each kind of ping measured by bench/heartbeat-share.sh (120 s, debug build):
# a ping along an update 112 bytes (2 of ping, the pong's segment of 6+52, the server's ACK 52),
# a ping alone 216 (its own segment 54, the client's ACK 52, the pong 58, the server's ACK 52).
# Checked against the measured 120 s run: 3 pings, 440 bytes (216 + 112 + 112).
# Each rule is replayed without and with --ws-receipt-spread-secs 10 (the mean over the
# connections' shares; one subscriber's bytes are those of its share).
import sys
times = [float(t) for t in open(sys.argv[1]).read().split()]
RIDE, ALONE = 112, 216
def run(times, end, x, y, silence=45.0, snapshot=0.0):
    cost, pings, alone = 0, 0, 0
    since = snapshot          # the snapshot is unconfirmed data
    last = snapshot           # last bytes either way
    events = [t for t in times if t < end]
    i = 0
    t = snapshot
    while True:
        nxt = events[i] if i < len(events) else None
        # standalone receipt or silence ping due before the next update?
        due = None
        if since is not None:
            due = since + y
        else:
            due = last + silence
        if nxt is None or due < nxt:
            if due >= end:
                break
            cost += ALONE; pings += 1; alone += 1
            since = None; last = due
            continue
        # an update at nxt
        if since is not None and nxt >= since + x:
            cost += RIDE; pings += 1
            since = None
        elif since is None:
            since = nxt
        last = nxt
        i += 1
    return cost, pings, alone
def spread(times, end, x, y, w=10.0):
    # Each connection's receipt window comes earlier by its own share of w
    # (--ws-receipt-spread-secs, at most x; liveness.rs: s/256 of it, s from the connection id,
    # evenly over 0..255): the mean over the 256 shares.
    runs = [run(times, end, x - min(w, x) * s / 256, y - min(w, x) * s / 256) for s in range(256)]
    return tuple(sum(r[i] for r in runs) / len(runs) for i in range(3))
end = float(sys.argv[2]) if len(sys.argv) > 2 else 600
none = float(sys.argv[3]) if len(sys.argv) > 3 else 12130
for slow in (30, 45, 60, 75):
    y = slow - 5
    for x in sorted({slow - 10, slow // 2, y}):
        c, p, a = run(times, end, x, y)
        print(f"deadline {slow} s, receipts from {x} s, alone at {y} s: {p} pings ({a} alone), {c} bytes, share {c / (none + c) * 100:.1f} %")
        c, p, a = spread(times, end, x, y)
        print(f"  spread over 10 s (from {max(x - 10, 0):g}-{x} s, alone at {y - min(10, x):g}-{y} s by connection): {p:.1f} pings ({a:.1f} alone), {c:.0f} bytes, share {c / (none + c) * 100:.1f} %")
