"""Technical indicators: TA-Lib-compatible functions and what TA-Lib lacks.

Every function takes numpy float64 arrays (or pandas Series) and returns arrays of the same
length, NaN where no value exists yet. No function reads a bar after the one it reports on.
"""

from quant.indicators.extra_api import *  # noqa: F403
from quant.indicators.extra_api import __all__ as _extra_all
from quant.indicators.talib_api import *  # noqa: F403
from quant.indicators.talib_api import __all__ as _talib_all

__all__ = [*_talib_all, *_extra_all]
