"""The one fill model shared by backtests and the paper broker.

Orders (:mod:`.orders`) are submitted into an :class:`AccountState` after a sampled latency
(:mod:`.latency`) and matched, one :class:`MarketSlice` at a time, against Level-2 depth
(:mod:`.book`, :mod:`.depth`) or OHLCV bars (:mod:`.bars`), with slippage and square-root
impact (:mod:`.impact`) and commission presets (:mod:`.costs`). Every call is a pure state
transition; randomness comes only from the ``numpy.random.Generator`` passed in. The rules are
written down in ``docs/fill_model.md``.
"""

from quant.backtest.fills.book import BookSnapshot, book_snapshots, walk_book
from quant.backtest.fills.costs import (
    CostModel,
    MoomooUS,
    NoCosts,
    PercentOfNotional,
    PerShare,
    borrow_cost,
    moomoo_us,
    per_share,
    percent_of_notional,
)
from quant.backtest.fills.execute import (
    DEFAULT_CONFIG,
    AccountState,
    Execution,
    Fill,
    FillConfig,
    accrue_borrow,
    cancel,
    end_session,
    execute,
    step,
    submit,
)
from quant.backtest.fills.impact import ImpactModel, SlippageModel
from quant.backtest.fills.latency import LatencyKind, LatencyModel, constant_latency
from quant.backtest.fills.market import Bar, MarketSlice, bar_slices, book_slice, tick_slices
from quant.backtest.fills.orders import (
    Order,
    OrderState,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from quant.backtest.fills.shortfall import Shortfall, implementation_shortfall

__all__ = [
    "DEFAULT_CONFIG",
    "AccountState",
    "Bar",
    "BookSnapshot",
    "CostModel",
    "Execution",
    "Fill",
    "FillConfig",
    "ImpactModel",
    "LatencyKind",
    "LatencyModel",
    "MarketSlice",
    "MoomooUS",
    "NoCosts",
    "Order",
    "OrderState",
    "OrderStatus",
    "OrderType",
    "PerShare",
    "PercentOfNotional",
    "Shortfall",
    "Side",
    "SlippageModel",
    "TimeInForce",
    "accrue_borrow",
    "bar_slices",
    "book_slice",
    "book_snapshots",
    "borrow_cost",
    "cancel",
    "constant_latency",
    "end_session",
    "execute",
    "implementation_shortfall",
    "moomoo_us",
    "per_share",
    "percent_of_notional",
    "step",
    "submit",
    "tick_slices",
    "walk_book",
]
