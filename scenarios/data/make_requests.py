"""Writes requests.csv, the example request log of scenarios/lisa-replay.toml.

Two days of checkout requests on Lisa's front-end, from
2024-03-04T00:00:00Z: arrivals are a Poisson process of 30 an hour on
average, quiet at night and busiest in the evening (the hourly weights
below); each request has the payment latency (arrival to "marked paid") and
the redirect latency ("marked paid" to the confirmation page's read) of one
browser, in milliseconds. One browser in eight is on a slow connection that
makes both four times slower: the two latencies of a row are paired, which
a log keeps and two independent distributions would not.

Run from the repository root: `python3 scenarios/data/make_requests.py`.
The seed is fixed, so the file is the same on every run.
"""

import datetime
import math
import random

RATE_PER_HOUR = 30.0
# relative weight of each hour of the day (mean 1 after scaling)
WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3,
           1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.8, 2.0, 2.0, 1.7, 1.1, 0.5]
DAYS = 2
SLOW_SHARE = 1 / 8
SLOW_FACTOR = 4.0
START = datetime.datetime(2024, 3, 4, tzinfo=datetime.timezone.utc)


def lognormal_ms(rng, median_ms, sigma):
    return median_ms * math.exp(sigma * rng.gauss(0.0, 1.0))


def main():
    rng = random.Random(2024)
    mean = sum(WEIGHTS) / len(WEIGHTS)
    peak = max(WEIGHTS) / mean * RATE_PER_HOUR / 3600.0
    rows = []
    t = 0.0
    while True:
        # thinning against the peak hour's rate
        t += rng.expovariate(peak)
        if t >= DAYS * 86400.0:
            break
        hour = int(t // 3600) % 24
        if rng.random() * max(WEIGHTS) >= WEIGHTS[hour]:
            continue
        factor = SLOW_FACTOR if rng.random() < SLOW_SHARE else 1.0
        payment = lognormal_ms(rng, 800.0, 0.45) * factor
        redirect = lognormal_ms(rng, 1400.0, 0.5) * factor
        at = START + datetime.timedelta(seconds=round(t, 3))
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        rows.append(f"{stamp},{round(payment)},{round(redirect)}")
    with open("scenarios/data/requests.csv", "w", encoding="ascii") as f:
        f.write("timestamp,payment_ms,redirect_ms\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
