"""The monthly sheet's office codes and months, factorised once per computation.

Both the office table (each office's latest row) and the monthly components (the period's rows per
office) group the monthly rows by office and month; hashing 72,000 codes and months once instead of
in each step is a measurable share of a province's computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MonthlyIndex:
    """``office_codes`` / ``month_codes``: each monthly row's office and month as a number (−1 when
    not given) into ``office_uniques`` / ``month_uniques`` (object arrays, in order of appearance)."""

    office_codes: np.ndarray
    office_uniques: np.ndarray
    month_codes: np.ndarray
    month_uniques: np.ndarray

    def __len__(self) -> int:
        return len(self.office_codes)


def index_monthly(monthly: pd.DataFrame) -> MonthlyIndex | None:
    """Factorise the monthly rows' ``office_code`` and ``month`` (see :class:`MonthlyIndex`); None when
    a row lacks either (the validator refuses such rows; callers then take their general path)."""
    office_codes, office_uniques = pd.factorize(monthly["office_code"].to_numpy(dtype=object))
    month_codes, month_uniques = pd.factorize(monthly["month"].to_numpy(dtype=object))
    if len(office_codes) and (office_codes.min() < 0 or month_codes.min() < 0):
        return None
    return MonthlyIndex(office_codes, np.asarray(office_uniques, dtype=object),
                        month_codes, np.asarray(month_uniques, dtype=object))
