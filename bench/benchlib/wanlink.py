#!/usr/bin/env python3
"""A TCP relay that shares one bandwidth limit among all its connections, like
the link between a mirror and Docker Hub. Only the direction from the upstream
to the caller is limited (that is where blobs flow).

  wanlink.py LISTEN_PORT TARGET_PORT BYTES_PER_SECOND

On loopback an uncached blob arrives as fast as the CPUs copy it; behind this
link the upstream is the bottleneck, as in production, and the time 16
coalesced clients take can be compared with the time one client takes.
"""
import asyncio
import sys
import time

CHUNK = 256 * 1024


class Link:
    """A token bucket shared by every connection (burst: 1/20 s of traffic)."""

    def __init__(self, rate):
        self.rate = rate
        self.burst = max(CHUNK, rate / 20)
        self.tokens = 0.0
        self.stamp = time.monotonic()

    async def take(self, n):
        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= n:
                self.tokens -= n
                return
            await asyncio.sleep((n - self.tokens) / self.rate)


async def pipe(reader, writer, link=None):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if link:
                await link.take(len(data))
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main(listen_port, target_port, rate):
    link = Link(rate)

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer, link))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, limit=CHUNK)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
