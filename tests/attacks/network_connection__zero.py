"""Connect out: TCP and UDP to the grader's loopback, IPv6, a Unix socket file, an abstract socket, the internet."""
import json
import socket

PORT, UNIX_SOCKET, ABSTRACT = int("__PORT__"), "__UNIX_SOCKET__", "__ABSTRACT__"


def tcp(host):
    with socket.create_connection((host, PORT), timeout=1) as s:
        s.sendall(b"pwned\n")


def udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"pwned\n", ("127.0.0.1", PORT))


def unix(address):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        s.connect(address)
        s.sendall(b"pwned\n")


report = {}
for name, attempt in (("tcp 127.0.0.1", lambda: tcp("127.0.0.1")), ("tcp ::1", lambda: tcp("::1")),
                      ("udp 127.0.0.1", udp), ("unix file", lambda: unix(UNIX_SOCKET)),
                      ("unix abstract", lambda: unix("\0" + ABSTRACT)),
                      ("internet", lambda: socket.create_connection(("1.1.1.1", 80), timeout=1).close()),
                      ("dns", lambda: socket.getaddrinfo("example.com", 80))):
    try:
        attempt()
        report[name] = "CONNECTED"
    except OSError as exc:
        report[name] = type(exc).__name__
print("NETWORK " + json.dumps(report))


def square(x):
    return x + 1


def grad(x):
    return x - 1
