# The cheapest ping schedule of all, knowing every event in advance: each update (and the snapshot
# at 0) must be followed by a ping within `y` seconds (the deadline less half the answer time);
# a ping at an update's time rides along it (112 bytes), any other goes alone (216). Dynamic
# programming over the first update not yet covered. Silence pings (45 s both ways) are left out,
# so this is a floor.
import sys, functools
times = [0.0] + [float(t) for t in open(sys.argv[1]).read().split()]
end = float(sys.argv[2]); none = float(sys.argv[3])
times = [t for t in times if t < end]
RIDE, ALONE = 112, 216
def floor(y):
    n = len(times)
    @functools.lru_cache(None)
    def best(i):  # cheapest cost covering updates i.. (i uncovered)
        if i >= n:
            return 0
        u = times[i]
        if u + y >= end:  # its deadline falls after the run: nothing to pay within it
            return 0
        options = []
        # ride on update j with u <= t_j <= u + y: covers everything up to j
        for j in range(i, n):
            if times[j] > u + y:
                break
            options.append(RIDE + best(j + 1))
        # alone at u + y: covers everything up to u + y
        k = i
        while k < n and times[k] <= u + y:
            k += 1
        options.append(ALONE + best(k))
        return min(options)
    return best(0)
for slow in (30, 45, 60, 75, 90):
    c = floor(slow - 5)
    print(f"deadline {slow} s: at least {c} bytes, share at least {c / (none + c) * 100:.1f} %")
