"""The plates a stock belongs to (proto 3207, ``get_owner_plate``), from the synthetic universe.

moomoo files every stock under several plates of three kinds (industry, region, concept). The
simulator gives each stock one industry plate named after its sector and, when the stock has
an industry, one concept plate named after it; the source reads the sector from the industry
plate. As at OpenD, only stocks (and indices, which the synthetic market has none of) have
plates, at most 200 codes per request.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from execution.opend_sim._codec import success
from execution.opend_sim._errors import SimError
from execution.opend_sim._quote import checked_symbol, set_security

if TYPE_CHECKING:
    from execution.opend_sim.server import ClientConnection, OpenDSimulator

MAX_CODES = 200
# Qot_Common.PlateSetType
PLATE_INDUSTRY, PLATE_REGION, PLATE_CONCEPT = 1, 2, 3
# Plate codes in moomoo's style (``BK`` and a number): industries from BK1001, concepts from
# BK2001, numbered in name order so a plate keeps its code whichever stock is asked about.
_INDUSTRY_BASE, _CONCEPT_BASE = 1000, 2000


@cache
def _codes(names: tuple[str, ...], base: int) -> dict[str, str]:
    return {name: f"BK{base + i}" for i, name in enumerate(sorted(set(names)), start=1)}


def plates_of(sim: OpenDSimulator, symbol: str) -> list[tuple[str, str, int]]:
    """Return ``(plate code, plate name, plate type)`` of each plate ``symbol`` belongs to."""
    specs = [s for s in sim.market.source.specs if s.instrument_type == "stock"]
    spec = sim.market.spec(symbol)
    market = symbol.split(".", 1)[0]
    sectors = _codes(tuple(s.sector for s in specs), _INDUSTRY_BASE)
    plates = [(f"{market}.{sectors[spec.sector]}", spec.sector, PLATE_INDUSTRY)]
    if spec.industry:
        concepts = _codes(tuple(s.industry for s in specs if s.industry), _CONCEPT_BASE)
        plates.append((f"{market}.{concepts[spec.industry]}", spec.industry, PLATE_CONCEPT))
    return plates


def owner_plate(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    securities = list(req.c2s.securityList)
    if len(securities) > MAX_CODES:
        raise SimError(f"At most {MAX_CODES} securities per owner plate request")
    symbols = [checked_symbol(sim, s) for s in securities]
    for symbol in symbols:
        kind = sim.market.spec(symbol).instrument_type
        if kind != "stock":
            raise SimError(f"Owner plates are for stocks and indices only: {symbol} is {kind}")
    sim.limits.check(3207, "get_owner_plate")
    rsp = success(3207)
    for symbol in symbols:
        owned = rsp.s2c.ownerPlateList.add()
        set_security(owned.security, symbol)
        owned.name = sim.market.spec(symbol).name
        for code, name, kind in plates_of(sim, symbol):
            info = owned.plateInfoList.add()
            set_security(info.plate, code)
            info.name, info.plateType = name, kind
    return rsp
