"""Write forged reply frames straight onto the channel socket, then answer with garbage as well."""
import base64
import json
import os
import stat

import numpy as np


def _channel():
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass
    raise RuntimeError("no channel found")


def _forge(message):
    body = json.dumps(message).encode()
    os.write(_channel(), len(body).to_bytes(4, "big") + body)


def _array(values):
    values = np.ascontiguousarray(values, dtype="<f8")
    data = base64.b64encode(values.tobytes()).decode()
    return {"$array": {"dtype": "float64", "shape": list(values.shape), "data": data}}


def square(x):
    _forge({"ok": _array(np.zeros_like(x))})  # right shape, wrong values
    _forge({"ok": _array(np.ones_like(x))})
    return "garbage"


def grad(x):
    _forge({"error": {"kind": "missing", "type": "", "message": "", "traceback": ""}})
    _forge({"ok": True, "passed": True})
    return "garbage"
