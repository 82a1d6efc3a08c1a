"""The hold model in SimPy, for the peer comparison of benches/benches/hold.rs.

N timeouts are pending; each step pops the earliest and its callback
schedules a new timeout ``increment`` ticks later, reading the increments
that the Rust bench wrote (little-endian u64, the same sequence every engine
replays). Prints one CSV line per N:

    engine,n,events_per_sec,bytes_per_pending

Needs SimPy 4 (``pip install simpy``). Bytes per pending event are measured
with tracemalloc on a separate build of the N timeouts (tracemalloc slows
Python, so it is off while timing).
"""

import argparse
import array
import time
import tracemalloc

import simpy


def build(n, incs):
    """An environment with n pending timeouts that hold when they fire."""
    env = simpy.Environment()
    mask = len(incs) - 1
    pos = [n]

    def fire(_event):
        i = pos[0]
        pos[0] = i + 1
        env.timeout(incs[i & mask]).callbacks.append(fire)

    for i in range(n):
        env.timeout(incs[i]).callbacks.append(fire)
    return env


def events_per_sec(n, incs, holds):
    env = build(n, incs)
    step = env.step
    for _ in range(min(n, 200_000)):  # warm up into the steady state
        step()
    start = time.perf_counter()
    for _ in range(holds):
        step()
    return holds / (time.perf_counter() - start)


def bytes_per_pending(n, incs):
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    env = build(n, incs)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del env
    return (after - before) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--increments", required=True, help="file of little-endian u64 increments (power-of-two count)")
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--holds", type=int, default=300_000, help="timed holds per N")
    args = parser.parse_args()
    incs = array.array("Q")
    with open(args.increments, "rb") as f:
        incs.frombytes(f.read())
    assert len(incs) & (len(incs) - 1) == 0, "increment count must be a power of two"
    print("engine,n,events_per_sec,bytes_per_pending")
    for n in args.n:
        rate = events_per_sec(n, incs, args.holds)
        mem = bytes_per_pending(min(n, 100_000), incs)
        print(f"simpy_{simpy.__version__},{n},{rate:.0f},{mem:.0f}", flush=True)


if __name__ == "__main__":
    main()
