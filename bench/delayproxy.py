#!/usr/bin/python3
"""delayproxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT ONE_WAY_MS: a TCP relay that holds
every chunk ONE_WAY_MS in each direction (order kept, throughput not limited): a link with a round
trip of 2 x ONE_WAY_MS, where tc netem is missing (a kernel without sch_netem). bench/listing.sh."""
import asyncio
import sys

LH, LP, TH, TP, MS = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
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


async def handle(cr, cw):
    try:
        tr, tw = await asyncio.open_connection(TH, TP)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pipe(cr, tw), pipe(tr, cw), return_exceptions=True)


async def main():
    server = await asyncio.start_server(handle, LH, LP)
    async with server:
        await server.serve_forever()


asyncio.run(main())
