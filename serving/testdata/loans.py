"""The loan applications the serving test scripts train and score on."""

import pandas as pd


def loan_features(rng, n, extra=False):
    """n rows of income, debt_ratio, age and utilisation drawn from rng in
    that order; with extra, then late_payments and a float32 score."""
    cols = {
        "income": rng.normal(50000, 15000, n),
        "debt_ratio": rng.uniform(0, 1, n),
        "age": rng.integers(18, 80, n).astype("int64"),
        "utilisation": rng.uniform(0, 1.2, n),
    }
    if extra:
        cols["late_payments"] = rng.poisson(1.0, n).astype("float64")
        cols["score"] = rng.normal(0, 1, n).astype("float32")
    return pd.DataFrame(cols)
