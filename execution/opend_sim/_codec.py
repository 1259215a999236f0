"""OpenD's wire format: a 44-byte header, then a protobuf body from the SDK's own modules."""

from __future__ import annotations

import hashlib
import importlib
import socket
import struct
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from harvest.moomoo.connection import import_moomoo

# "FT", proto id, format (0 = protobuf), version, serial, body length, SHA-1 of the body, reserved.
HEADER = struct.Struct("<1s1sI2B2I20s8s")

# Proto ids the simulator speaks, with the SDK module (moomoo/common/pb/<name>_pb2) of each.
PROTO_MODULES: dict[int, str] = {
    1001: "InitConnect",
    1002: "GetGlobalState",
    1004: "KeepAlive",
    2001: "Trd_GetAccList",
    2005: "Trd_UnlockTrade",
    2008: "Trd_SubAccPush",
    2101: "Trd_GetFunds",
    2102: "Trd_GetPositionList",
    2201: "Trd_GetOrderList",
    2202: "Trd_PlaceOrder",
    2205: "Trd_ModifyOrder",
    2208: "Trd_UpdateOrder",
    2211: "Trd_GetOrderFillList",
    2222: "Trd_GetHistoryOrderFillList",
    3001: "Qot_Sub",
    3002: "Qot_RegQotPush",
    3004: "Qot_GetBasicQot",
    3005: "Qot_UpdateBasicQot",
    3006: "Qot_GetKL",
    3007: "Qot_UpdateKL",
    3012: "Qot_GetOrderBook",
    3013: "Qot_UpdateOrderBook",
    3103: "Qot_RequestHistoryKL",
    3104: "Qot_RequestHistoryKLQuota",
    3202: "Qot_GetStaticInfo",
    3203: "Qot_GetSecuritySnapshot",
    3207: "Qot_GetOwnerPlate",
    3211: "Qot_GetCapitalFlow",
    3227: "Qot_GetFinancialsStatements",
}


@dataclass(frozen=True, slots=True)
class Packet:
    """One request as read off the socket."""

    proto_id: int
    serial: int
    body: bytes


@cache
def pb(name: str) -> ModuleType:
    """Return the SDK's generated module ``moomoo.common.pb.<name>_pb2``."""
    import_moomoo()
    return importlib.import_module(f"moomoo.common.pb.{name}_pb2")


def module_for(proto_id: int) -> ModuleType | None:
    """Return the generated module of ``proto_id``, or None for a proto we do not speak."""
    name = PROTO_MODULES.get(proto_id)
    return pb(name) if name else None


def encode(proto_id: int, serial: int, body: bytes) -> bytes:
    """Return one framed packet."""
    digest = hashlib.sha1(body).digest()
    return HEADER.pack(b"F", b"T", proto_id, 0, 0, serial, len(body), digest, b"\0" * 8) + body


def error_body(message: str, ret_type: int = -1) -> bytes:
    """Return a failed ``Response`` body that any proto's response class parses.

    Every OpenD ``Response`` starts with ``retType = 1`` and ``retMsg = 2``, so one message type
    encodes the error of any proto, including ones we do not know.
    """
    response = pb("KeepAlive").Response()
    response.retType = ret_type
    response.retMsg = message
    return response.SerializeToString()


def success(proto_id: int) -> Any:
    """Return an empty successful ``Response`` of ``proto_id`` for a handler to fill."""
    module = module_for(proto_id)
    if module is None:
        raise KeyError(proto_id)
    response = module.Response()
    response.retType = 0
    return response


def read_exact(sock: socket.socket, n: int) -> bytes | None:
    """Return exactly ``n`` bytes, or None when the peer closed the connection."""
    chunks: list[bytes] = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_packet(sock: socket.socket) -> Packet | None:
    """Return the next packet from ``sock``, or None at end of stream.

    Raises
    ------
    ValueError
        If the header is not an OpenD header or the body's SHA-1 does not match.
    """
    head = read_exact(sock, HEADER.size)
    if head is None:
        return None
    h1, h2, proto_id, fmt, _ver, serial, length, digest, _ = HEADER.unpack(head)
    if (h1, h2) != (b"F", b"T") or fmt != 0:
        raise ValueError("not an OpenD protobuf packet")
    body = read_exact(sock, length) if length else b""
    if body is None:
        return None
    if hashlib.sha1(body).digest() != digest:
        raise ValueError(f"proto {proto_id}: body SHA-1 mismatch")
    return Packet(proto_id, serial, body)
