"""Quote protos: K-lines, quotes, depth, static info, snapshots, statements, subscriptions.

Pushes (basic quote, K-line, order book) go to the connections that subscribed with push on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from execution.opend_sim._codec import pb, success
from execution.opend_sim._errors import SimError
from execution.opend_sim.market import UnknownSecurityError

if TYPE_CHECKING:
    from execution.opend_sim.server import ClientConnection, OpenDSimulator

MARKETS = {11: "US", 1: "HK", 21: "SH", 22: "SZ"}
MARKET_IDS = {v: k for k, v in MARKETS.items()}
KL_TYPES = {1: "1m", 2: "1d", 6: "5m", 7: "15m", 9: "1h"}
SUB_BASIC, SUB_BOOK = 1, 2
SUB_KL = {6: "1d", 11: "1m", 7: "5m", 8: "15m", 10: "1h"}
KL_OF_SUB = {6: 2, 11: 1, 7: 6, 8: 7, 10: 9}
SEC_TYPES = {"stock": 3, "etf": 4, "future": 10, "fx": 11}
MAX_PAGE = 1000


def symbol_of(security: Any) -> str:
    """Return ``MARKET.CODE`` of a ``Qot_Common.Security``."""
    market = MARKETS.get(security.market)
    if market is None:
        raise SimError(f"Unknown market {security.market}")
    return f"{market}.{security.code}"


def set_security(target: Any, symbol: str) -> None:
    """Fill a ``Qot_Common.Security`` from ``MARKET.CODE``."""
    market, code = symbol.split(".", 1)
    target.market = MARKET_IDS[market]
    target.code = code


def checked_symbol(sim: OpenDSimulator, security: Any) -> str:
    """Return the symbol of ``security``, or refuse one the market does not list."""
    symbol = symbol_of(security)
    try:
        sim.market.spec(symbol)
    except UnknownSecurityError:
        raise SimError(f"Unknown stock {symbol}") from None
    return symbol


def _local(ts: pd.Timestamp, tz: str, daily: bool) -> str:
    local = ts.tz_convert(tz)
    return local.strftime("%Y-%m-%d 00:00:00" if daily else "%Y-%m-%d %H:%M:%S")


def _bars(sim: OpenDSimulator, symbol: str, kl: str) -> pd.DataFrame:
    if kl == "1d":
        return sim.market.daily_bars(symbol)
    return sim.market.intraday_bars(symbol, kl)


def fill_klines(sim: OpenDSimulator, target: Any, symbol: str, kl: str, bars: pd.DataFrame) -> None:
    """Append ``bars`` to a repeated ``KLine`` field, times in exchange local time."""
    tz = sim.market.spec(symbol).hours.timezone
    prev = bars["close"].shift(1)
    for row, last in zip(bars.itertuples(index=False), prev, strict=True):
        k = target.add()
        k.time = _local(row.ts, tz, kl == "1d")
        k.isBlank = False
        k.openPrice, k.highPrice, k.lowPrice, k.closePrice = row.open, row.high, row.low, row.close
        k.volume = int(row.volume)
        k.turnover = float(row.volume) * float(row.close)
        k.timestamp = row.ts.timestamp()
        if pd.notna(last):
            k.lastClosePrice = float(last)
            k.changeRate = (row.close / last - 1.0) * 100.0


def request_history_kl(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    symbol = checked_symbol(sim, c2s.security)
    kl = KL_TYPES.get(c2s.klType)
    if kl is None:
        raise SimError(f"Unsupported K-line type {c2s.klType}")
    offset = int(c2s.nextReqKey.decode()) if c2s.HasField("nextReqKey") else 0
    if offset == 0:  # only the first page of a request counts, as at OpenD
        sim.limits.check(3103, "request_history_kline")
        sim.quota.use(symbol)
    bars = _bars(sim, symbol, kl)
    tz = sim.market.spec(symbol).hours.timezone
    local = bars["ts"].dt.tz_convert(tz)
    keys = local.dt.strftime("%Y-%m-%d" if kl == "1d" else "%Y-%m-%d %H:%M:%S")
    begin, end = c2s.beginTime, c2s.endTime
    if kl == "1d":
        begin, end = begin[:10], end[:10]
    elif len(end) <= 10:
        end += " 23:59:59"
    bars = bars[(keys >= begin) & (keys <= end)] if begin or end else bars
    size = c2s.maxAckKLNum if c2s.HasField("maxAckKLNum") and c2s.maxAckKLNum > 0 else MAX_PAGE
    size = min(size, MAX_PAGE)
    page = bars.iloc[offset : offset + size]
    rsp = success(3103)
    set_security(rsp.s2c.security, symbol)
    rsp.s2c.name = sim.market.spec(symbol).name
    fill_klines(sim, rsp.s2c.klList, symbol, kl, page)
    if offset + size < len(bars):
        rsp.s2c.nextReqKey = str(offset + size).encode()
    return rsp


def history_quota(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    rsp = success(3104)
    rsp.s2c.usedQuota = len(sim.quota.used)
    rsp.s2c.remainQuota = sim.quota.limit - len(sim.quota.used)
    return rsp


def _require_sub(conn: ClientConnection, symbol: str, sub_type: int, what: str) -> None:
    if sub_type not in conn.subscriptions.get(symbol, set()):
        raise SimError(f"Please subscribe to the {what} of {symbol} first")


def get_kl(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    symbol = checked_symbol(sim, c2s.security)
    kl = KL_TYPES.get(c2s.klType)
    sub = next((s for s, k in SUB_KL.items() if k == kl), None)
    if kl is None or sub is None:
        raise SimError(f"Unsupported K-line type {c2s.klType}")
    _require_sub(conn, symbol, sub, f"{kl} K-line")
    rsp = success(3006)
    set_security(rsp.s2c.security, symbol)
    fill_klines(sim, rsp.s2c.klList, symbol, kl, _bars(sim, symbol, kl).tail(max(c2s.reqNum, 1)))
    return rsp


def fill_basic(sim: OpenDSimulator, target: Any, symbol: str) -> None:
    """Fill a ``BasicQot`` from the market at the clock."""
    spec, q = sim.market.spec(symbol), sim.market.quote(symbol)
    set_security(target.security, symbol)
    target.name = spec.name
    target.isSuspended = False
    target.listTime = "2000-01-03"
    target.priceSpread = spec.tick_size
    now = sim.market.clock.now()
    target.updateTime = now.tz_convert(spec.hours.timezone).strftime("%Y-%m-%d %H:%M:%S")
    target.updateTimestamp = now.timestamp()
    target.highPrice, target.openPrice, target.lowPrice = q["high"], q["open"], q["low"]
    target.curPrice, target.lastClosePrice = q["last"], q["last_close"]
    target.volume, target.turnover = int(q["volume"]), q["turnover"]
    target.turnoverRate = 0.0
    target.amplitude = (q["high"] - q["low"]) / q["last_close"] * 100.0 if q["last_close"] else 0.0


def get_basic_qot(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    rsp = success(3004)
    for security in req.c2s.securityList:
        symbol = checked_symbol(sim, security)
        _require_sub(conn, symbol, SUB_BASIC, "basic quote")
        fill_basic(sim, rsp.s2c.basicQotList.add(), symbol)
    return rsp


def fill_book(sim: OpenDSimulator, s2c: Any, symbol: str, levels: int) -> None:
    """Fill the security and both sides of an order-book reply or push."""
    set_security(s2c.security, symbol)
    bids, asks = sim.market.book(symbol, levels)
    for target, side in ((s2c.orderBookBidList, bids), (s2c.orderBookAskList, asks)):
        for price, size, count in side:
            level = target.add()
            level.price, level.volume, level.orederCount = price, int(size), count


def get_order_book(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    symbol = checked_symbol(sim, req.c2s.security)
    _require_sub(conn, symbol, SUB_BOOK, "order book")
    rsp = success(3012)
    fill_book(sim, rsp.s2c, symbol, max(req.c2s.num, 1))
    return rsp


def _static(sim: OpenDSimulator, target: Any, symbol: str) -> None:
    spec = sim.market.spec(symbol)
    basic = target.basic
    set_security(basic.security, symbol)
    basic.id = abs(hash(symbol)) % 10**12
    basic.lotSize = spec.lot_size
    basic.secType = SEC_TYPES.get(spec.instrument_type, 0)
    basic.name = spec.name
    basic.listTime = "2000-01-03"
    basic.delisting = False


def get_static_info(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    rsp = success(3202)
    if len(c2s.securityList):
        symbols = [checked_symbol(sim, s) for s in c2s.securityList]
    else:
        market = MARKETS.get(c2s.market, "")
        types = {c2s.secType} if c2s.HasField("secType") and c2s.secType else None
        symbols = [
            s.symbol
            for s in sim.market.source.specs
            if s.symbol.startswith(market + ".")
            and (types is None or SEC_TYPES.get(s.instrument_type) in types)
        ]
    for symbol in symbols:
        _static(sim, rsp.s2c.staticInfoList.add(), symbol)
    return rsp


def get_snapshot(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    securities = list(req.c2s.securityList)
    if len(securities) > 400:
        raise SimError("At most 400 securities per snapshot request")
    sim.limits.check(3203, "get_market_snapshot")
    rsp = success(3203)
    for security in securities:
        symbol = checked_symbol(sim, security)
        spec, q = sim.market.spec(symbol), sim.market.quote(symbol)
        snap = rsp.s2c.snapshotList.add()
        b = snap.basic
        set_security(b.security, symbol)
        b.name, b.type, b.isSuspend = spec.name, SEC_TYPES.get(spec.instrument_type, 0), False
        b.listTime, b.lotSize, b.priceSpread = "2000-01-03", spec.lot_size, spec.tick_size
        now = sim.market.clock.now()
        b.updateTime = now.tz_convert(spec.hours.timezone).strftime("%Y-%m-%d %H:%M:%S")
        b.highPrice, b.openPrice, b.lowPrice = q["high"], q["open"], q["low"]
        b.lastClosePrice, b.curPrice = q["last_close"], q["last"]
        b.volume, b.turnover, b.turnoverRate = int(q["volume"]), q["turnover"], 0.0
        bids, asks = sim.market.book(symbol, 1)
        b.bidPrice, b.bidVol = bids[0][0], int(bids[0][1])
        b.askPrice, b.askVol = asks[0][0], int(asks[0][1])
        if spec.is_company:
            _equity_ex(sim, snap.equityExData, symbol, q["last"])
    return rsp


def _equity_ex(sim: OpenDSimulator, ex: Any, symbol: str, price: float) -> None:
    st = sim.market.statements(symbol)
    latest = st.iloc[0] if len(st) else None
    shares = float(latest["shares_outstanding"]) if latest is not None else 0.0
    equity = float(latest["total_equity"]) if latest is not None else 0.0
    annual = st[st["fiscal_period"] == "FY"]
    net = float(annual["net_income"].iloc[0]) if len(annual) else 0.0
    eps = net / shares if shares else 0.0
    ex.issuedShares = ex.outstandingShares = int(shares)
    ex.issuedMarketVal = ex.outstandingMarketVal = shares * price
    ex.netAsset, ex.netProfit, ex.earningsPershare = equity, net, eps
    ex.netAssetPershare = equity / shares if shares else 0.0
    ex.peRate = ex.peTTMRate = price / eps if eps else 0.0
    ex.eyRate = eps / price * 100.0 if price else 0.0
    ex.pbRate = price / ex.netAssetPershare if ex.netAssetPershare else 0.0


def subscribe(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    symbols = [checked_symbol(sim, s) for s in c2s.securityList]
    types = set(c2s.subTypeList)
    unknown = types - {SUB_BASIC, SUB_BOOK, *SUB_KL}
    if unknown:
        raise SimError(f"Unsupported subscription types {sorted(unknown)}")
    if c2s.HasField("isUnsubAll") and c2s.isUnsubAll:
        conn.subscriptions.clear()
        conn.push_types.clear()
        return success(3001)
    for symbol in symbols:
        if c2s.isSubOrUnSub:
            conn.subscriptions.setdefault(symbol, set()).update(types)
            if c2s.isRegOrUnRegPush:
                conn.push_types.setdefault(symbol, set()).update(types)
        else:
            conn.subscriptions.get(symbol, set()).difference_update(types)
            conn.push_types.get(symbol, set()).difference_update(types)
    rsp = success(3001)
    if c2s.isSubOrUnSub and c2s.HasField("isFirstPush") and c2s.isFirstPush:
        conn.after_reply.append(lambda: push_quotes(sim, conn, symbols, types))
    return rsp


def reg_push(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    for security in c2s.securityList:
        symbol = checked_symbol(sim, security)
        types = set(c2s.subTypeList) & conn.subscriptions.get(symbol, set())
        if c2s.isRegOrUnReg:
            conn.push_types.setdefault(symbol, set()).update(types)
        else:
            conn.push_types.get(symbol, set()).difference_update(types)
    return success(3002)


def push_quotes(
    sim: OpenDSimulator, conn: ClientConnection, symbols: list[str], types: set[int]
) -> None:
    """Send the current basic quote, depth and last K-line of ``symbols`` to ``conn``."""
    for symbol in symbols:
        if SUB_BASIC in types:
            rsp = pb("Qot_UpdateBasicQot").Response()
            rsp.retType = 0
            fill_basic(sim, rsp.s2c.basicQotList.add(), symbol)
            conn.push(3005, rsp)
        if SUB_BOOK in types:
            rsp = pb("Qot_UpdateOrderBook").Response()
            rsp.retType = 0
            fill_book(sim, rsp.s2c, symbol, 10)
            conn.push(3013, rsp)
        for sub in sorted(types & set(SUB_KL)):
            kl = SUB_KL[sub]
            rsp = pb("Qot_UpdateKL").Response()
            rsp.retType, rsp.s2c.rehabType, rsp.s2c.klType = 0, 1, KL_OF_SUB[sub]
            set_security(rsp.s2c.security, symbol)
            fill_klines(sim, rsp.s2c.klList, symbol, kl, _bars(sim, symbol, kl).tail(1))
            conn.push(3007, rsp)


HANDLERS = {
    3001: subscribe,
    3002: reg_push,
    3004: get_basic_qot,
    3006: get_kl,
    3012: get_order_book,
    3103: request_history_kl,
    3104: history_quota,
    3202: get_static_info,
    3203: get_snapshot,
}
