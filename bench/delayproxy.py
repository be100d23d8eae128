#!/usr/bin/python3
"""delayproxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT ONE_WAY_MS [COUNT]: a TCP relay that
holds every chunk ONE_WAY_MS in each direction (order kept, throughput not limited): a link with a
round trip of 2 x ONE_WAY_MS, where tc netem is missing (a kernel without sch_netem). COUNT (default
1): relay LISTEN_PORT+i to TARGET_PORT+i for i < COUNT, in one process. bench/listing.sh, jump.sh."""
import asyncio
import sys

LH, LP, TH, TP, MS = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
COUNT = int(sys.argv[6]) if len(sys.argv) > 6 else 1
DELAY = MS / 1000.0


async def pipe(reader, writer):
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()

    async def read():
        while True:
            data = await reader.read(65536)
            q.put_nowait((loop.time() + DELAY, data))
            if not data:
                return

    async def write():
        while True:
            due, data = await q.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(read(), write(), return_exceptions=True)


async def handle(cr, cw, tp):
    try:
        tr, tw = await asyncio.open_connection(TH, tp)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pipe(cr, tw), pipe(tr, cw), return_exceptions=True)


async def main():
    servers = [await asyncio.start_server(lambda r, w, tp=TP + i: handle(r, w, tp), LH, LP + i)
               for i in range(COUNT)]
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
