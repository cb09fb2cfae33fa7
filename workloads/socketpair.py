"""socketpair: small-message round trips over a local socketpair.

Each worker owns a socket.socketpair() and does ``size`` round trips: send
64 bytes from one end, receive them on the other, echo them back, receive the
echo (weak scaling).  Four syscalls per round trip, each releasing the GIL,
with a little Python in between: it shows the cost of GIL hand-offs around
blocking I/O.  A checksum of the echoed sequence numbers is checked.
"""

import socket

NAME = "socketpair"
CATEGORY = "io"
SCALING = "weak"
DESCRIPTION = "socketpair send/recv round trips: many short GIL-releasing syscalls"
SIZE = 80_000

MSG = 64


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("socket closed")
        data += chunk
    return data


def work(state, worker_index, workers, size):
    a, b = socket.socketpair()
    checksum = 0
    trips = 0
    try:
        for k in range(size):
            a.sendall(k.to_bytes(4, "big") * (MSG // 4))
            msg = _recv_exact(b, MSG)
            b.sendall(msg)
            back = _recv_exact(a, MSG)
            checksum += int.from_bytes(back[:4], "big")
            trips += 1
    finally:
        a.close()
        b.close()
    return (trips, checksum)


def check(results, size, workers):
    expected = (size, size * (size - 1) // 2)
    assert results == [expected] * workers, (results, expected)
    return True
