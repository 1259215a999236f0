"""Trade protos: accounts, unlock, account pushes, orders, positions, funds."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from execution.opend_sim._codec import pb, success
from execution.opend_sim._errors import SimError
from execution.opend_sim._paper import REAL, SIMULATE, SimAccount, SimOrder

if TYPE_CHECKING:
    from execution.opend_sim.server import ClientConnection, OpenDSimulator

# The real OpenD's words (English build) for a deal query in paper trading.
NO_DEALS_IN_PAPER = "Simulated trade does not support deal list"
PAPER_MODIFY_OPS = "Paper trading only supports modifying and cancelling orders"
SEC_MARKET = {"US": 2, "HK": 1}
MODIFY, CANCEL = 1, 2


def _account(sim: OpenDSimulator, header: Any) -> SimAccount:
    acc = sim.ledger.account(header.accID, header.trdEnv)
    if acc.env == REAL and not sim.unlocked:
        raise SimError("Please unlock trade first")
    return acc


def _header(target: Any, acc: SimAccount) -> None:
    target.trdEnv, target.accID, target.trdMarket = acc.env, acc.acc_id, acc.markets[0]


def get_acc_list(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    category = req.c2s.trdCategory if req.c2s.HasField("trdCategory") else 0
    rsp = success(2001)
    for acc in sim.ledger.accounts.values():
        if category and acc.category != category:
            continue
        item = rsp.s2c.accList.add()
        item.trdEnv, item.accID = acc.env, acc.acc_id
        item.trdMarketAuthList.extend(acc.markets)
        item.accType, item.accStatus, item.accRole = 2, 0, 1
        if acc.env == SIMULATE:
            item.simAccType = acc.sim_acc_type
        else:
            item.securityFirm, item.cardNum = 3, f"SIM{acc.acc_id}"  # FUTUINC
    return rsp


def unlock_trade(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    if not req.c2s.unlock:
        sim.unlocked = False
        return success(2005)
    expected = hashlib.md5(sim.trade_password.encode()).hexdigest()
    if req.c2s.pwdMD5.lower() != expected:
        raise SimError("Incorrect trade password")
    sim.unlocked = True
    return success(2005)


def sub_acc_push(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    conn.acc_push = set(req.c2s.accIDList)
    return success(2008)


def fill_order(target: Any, record: SimOrder, acc: SimAccount) -> None:
    """Fill a ``Trd_Common.Order`` from a simulator order."""
    market, code = record.symbol.split(".", 1)
    target.trdSide, target.orderType, target.orderStatus = (
        record.trd_side,
        record.order_type,
        record.status,
    )
    target.orderID, target.orderIDEx = int(record.order_id), record.order_id
    target.code, target.name, target.qty, target.price = code, record.name, record.qty, record.price
    tz = "America/New_York"
    target.createTime = record.created.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    target.updateTime = record.updated.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    target.createTimestamp, target.updateTimestamp = (
        record.created.timestamp(),
        record.updated.timestamp(),
    )
    target.fillQty, target.fillAvgPrice = float(record.filled_qty), record.avg_price
    target.lastErrMsg = record.last_err or record.state.reason
    target.secMarket = SEC_MARKET.get(market, 0)
    target.remark, target.timeInForce, target.fillOutsideRTH = record.remark, record.tif, False
    target.currency, target.trdMarket = acc.currency, acc.markets[0]


def place_order(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    acc = _account(sim, c2s.header)
    sim.limits.check(2202, "place_order", acc.acc_id)
    if c2s.HasField("remark") and len(c2s.remark.encode()) > 64:
        raise SimError("remark is longer than 64 bytes")
    market = {2: "US", 1: "HK"}.get(c2s.secMarket, "US")
    tif = c2s.timeInForce if c2s.HasField("timeInForce") else 0
    if acc.env == SIMULATE and c2s.HasField("fillOutsideRTH") and c2s.fillOutsideRTH:
        raise SimError("Paper trading does not support trading outside regular trading hours")
    record = sim.ledger.place(
        acc,
        f"{market}.{c2s.code}",
        c2s.trdSide,
        c2s.orderType,
        c2s.qty,
        c2s.price,
        tif,
        c2s.remark if c2s.HasField("remark") else "",
    )
    rsp = success(2202)
    _header(rsp.s2c.header, acc)
    rsp.s2c.orderID, rsp.s2c.orderIDEx = int(record.order_id), record.order_id
    conn.after_reply.append(lambda: sim.push_orders([record]))
    return rsp


def modify_order(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    acc = _account(sim, c2s.header)
    sim.limits.check(2205, "modify_order", acc.acc_id)
    op = c2s.modifyOrderOp
    if op not in (MODIFY, CANCEL):
        if acc.env == SIMULATE:
            raise SimError(PAPER_MODIFY_OPS)
        raise SimError(f"The simulator does not support modify operation {op}")
    if c2s.HasField("forAll") and c2s.forAll:
        records = [r for r in acc.orders.values() if r.is_open]
        for record in records:
            sim.ledger.cancel(acc, record)
        order_id = "0"
    else:
        order_id = (
            c2s.orderIDEx if c2s.HasField("orderIDEx") and c2s.orderIDEx else str(c2s.orderID)
        )
        record = sim.ledger.find(acc, order_id)
        if op == CANCEL:
            sim.ledger.cancel(acc, record)
        else:
            sim.ledger.modify(acc, record, c2s.qty, c2s.price)
        records = [record]
    rsp = success(2205)
    _header(rsp.s2c.header, acc)
    rsp.s2c.orderID, rsp.s2c.orderIDEx = int(order_id), order_id
    conn.after_reply.append(lambda: sim.push_orders(records))
    return rsp


def get_order_list(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    acc = _account(sim, c2s.header)
    if c2s.HasField("refreshCache") and c2s.refreshCache:
        sim.limits.check(2201, "order_list_query", acc.acc_id)
    wanted = set()
    codes = set()
    if c2s.HasField("filterConditions"):
        wanted = set(c2s.filterConditions.orderIDExList) | {
            str(i) for i in c2s.filterConditions.idList
        }
        codes = set(c2s.filterConditions.codeList)
    statuses = set(c2s.filterStatusList)
    rsp = success(2201)
    _header(rsp.s2c.header, acc)
    with sim.ledger.lock:
        for record in sim.ledger.todays_orders(acc):  # order_list_query lists today's orders
            if wanted and record.order_id not in wanted:
                continue
            if codes and record.symbol.split(".", 1)[1] not in codes and record.symbol not in codes:
                continue
            if statuses and record.status not in statuses:
                continue
            fill_order(rsp.s2c.orderList.add(), record, acc)
    return rsp


def get_position_list(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    acc = _account(sim, c2s.header)
    if c2s.HasField("refreshCache") and c2s.refreshCache:
        sim.limits.check(2102, "position_list_query", acc.acc_id)
    rsp = success(2102)
    _header(rsp.s2c.header, acc)
    for i, (symbol, qty, cost, price) in enumerate(sim.ledger.holdings(acc)):
        market, code = symbol.split(".", 1)
        p = rsp.s2c.positionList.add()
        p.positionID, p.positionSide = i + 1, 0 if qty > 0 else 1
        p.code, p.name = code, sim.market.spec(symbol).name
        p.qty, p.canSellQty = float(abs(qty)), float(max(qty, 0))
        p.price, p.costPrice, p.val = price, cost, qty * price
        p.plVal = (price - cost) * qty
        p.plRatio = (price / cost - 1.0) * 100.0 * (1 if qty > 0 else -1) if cost else 0.0
        p.secMarket, p.currency, p.trdMarket = (
            SEC_MARKET.get(market, 0),
            acc.currency,
            acc.markets[0],
        )
        p.averageCostPrice = p.dilutedCostPrice = cost
    return rsp


def get_funds(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    acc = _account(sim, c2s.header)
    if c2s.HasField("refreshCache") and c2s.refreshCache:
        sim.limits.check(2101, "accinfo_query", acc.acc_id)
    funds = sim.ledger.funds(acc)
    rsp = success(2101)
    _header(rsp.s2c.header, acc)
    f = rsp.s2c.funds
    f.cash, f.frozenCash = funds["cash"], funds["frozen"]
    f.marketVal = funds["long_mv"] - funds["short_mv"]
    f.totalAssets, f.power = funds["total"], funds["power"]
    f.debtCash, f.avlWithdrawalCash = 0.0, funds["power"]
    f.currency, f.longMv, f.shortMv = acc.currency, funds["long_mv"], funds["short_mv"]
    f.securitiesAssets = f.totalAssets
    return rsp


def deal_list(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    acc = sim.ledger.account(req.c2s.header.accID, req.c2s.header.trdEnv)
    if acc.env == SIMULATE:
        raise SimError(NO_DEALS_IN_PAPER)
    return success(2211)  # live deals are not simulated: an empty list


def order_push(record: SimOrder, acc: SimAccount) -> Any:
    """Return a ``Trd_UpdateOrder`` push of ``record``."""
    rsp = pb("Trd_UpdateOrder").Response()
    rsp.retType = 0
    _header(rsp.s2c.header, acc)
    fill_order(rsp.s2c.order, record, acc)
    return rsp


HANDLERS = {
    2001: get_acc_list,
    2005: unlock_trade,
    2008: sub_acc_push,
    2101: get_funds,
    2102: get_position_list,
    2201: get_order_list,
    2202: place_order,
    2205: modify_order,
    2211: deal_list,
}
