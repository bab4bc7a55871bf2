"""Reply frames that are JSON but not data: a 5000-digit integer, an array of impossible shape."""
import os
import stat


def _channel():
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass


def _send(body):
    os.write(_channel(), len(body).to_bytes(4, "big") + body)


def square(x):
    _send(b'{"ok":' + b"9" * 5000 + b"}")
    return x


def grad(x):
    _send(b'{"ok":{"$array":{"dtype":"float64","shape":[4611686018427387904,0],"data":""}}}')
    return x
