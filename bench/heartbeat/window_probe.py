# What the server's kernel can tell about a peer that stopped reading while it receives a small
# update stream: per message, the send queue (SIOCOUTQ), unacked segments and the peer's advertised
# window (tcp_info.tcpi_snd_wnd, Linux >= 5.4), for a client that reads and one that does not.
import socket, struct, fcntl, time, sys, threading
SIOCOUTQ = 0x5411
def info(s):
    b = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    unacked = struct.unpack_from("I", b, 24)[0]
    snd_wnd = struct.unpack_from("I", b, 228)[0]
    return unacked, snd_wnd
def run(reads, n=int(sys.argv[1]) if len(sys.argv) > 1 else 300, size=84, gap=float(sys.argv[2]) if len(sys.argv) > 2 else 0.02):
    ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
    c = socket.create_connection(ls.getsockname()); s, _ = ls.accept()
    got = [0]
    def reader():
        while True:
            d = c.recv(65536)
            if not d: return
            got[0] += len(d)
    if reads: threading.Thread(target=reader, daemon=True).start()
    rows = []
    for i in range(n):
        s.send(b"x" * size)
        time.sleep(gap)
        outq = struct.unpack("I", fcntl.ioctl(s, SIOCOUTQ, b"\0" * 4))[0]
        rows.append((i + 1, outq) + info(s))
    for r in rows[:3] + rows[9::10]:
        print(("reading " if reads else "stopped ") + "msgs=%d unread_bytes=%d outq=%d unacked=%d peer_window=%d" % (r[0], 0 if reads else r[0] * size, r[1], r[2], r[3]))
    s.close(); c.close(); ls.close()
run(True); run(False)
