"""Pacing by Shopify's leaky bucket: a query waits until the bucket admits it, and no longer."""

from shopify_sync.client import ShopifyClient, ThrottleState


class Clock:
    def __init__(self):
        self.now = 0.0
        self.on_sleep = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        assert self.now < 60, "still waiting for the bucket after a minute"
        if self.on_sleep:
            self.on_sleep()


def _bucket(clock, **figures) -> ThrottleState:
    return ThrottleState(clock=clock, observed_at=clock(), **figures)


def test_a_query_waits_for_the_answer_in_flight_not_for_a_full_refill(settings):
    settings.SHOPIFY_API_BASE_URL = "http://127.0.0.1:9"
    clock = Clock()
    bucket = _bucket(clock, maximum=1000, available=1000, restore_rate=50)
    first = ShopifyClient("pace.myshopify.com", lambda: "t", throttle=bucket, sleep=clock.sleep)
    second = ShopifyClient("pace.myshopify.com", lambda: "t", throttle=bucket, sleep=clock.sleep)

    reserved = first._pace(975)  # a query asking for almost the whole bucket is sent at once

    # The first answer arrives 0.25 s later: it cost 50 points and gives the rest back.
    def answer_arrives():
        if clock.now >= 0.25 and bucket.in_flight:
            bucket.settle(reserved, {"currentlyAvailable": 950, "maximumAvailable": 1000})

    clock.on_sleep = answer_arrives
    second._pace(975)

    # Sent once the bucket held 975 again (950 + 0.5 s of refill), not after the 19 s that
    # refilling the whole reservation would take.
    assert 0.25 <= clock.now <= 1.0
    assert second.stats.throttle_wait_seconds == clock.now
    assert bucket.in_flight == 975


def test_a_bucket_short_of_points_waits_for_its_refill(settings):
    settings.SHOPIFY_API_BASE_URL = "http://127.0.0.1:9"
    clock = Clock()
    bucket = _bucket(clock, maximum=1000, available=100, restore_rate=50)
    client = ShopifyClient("pace.myshopify.com", lambda: "t", throttle=bucket, sleep=clock.sleep)

    client._pace(600)

    assert 10.0 <= clock.now <= 10.2  # 500 points short at 50 a second


def test_a_query_larger_than_a_shrunken_bucket_still_goes(settings):
    settings.SHOPIFY_API_BASE_URL = "http://127.0.0.1:9"
    clock = Clock()
    bucket = _bucket(clock, maximum=1000, available=0, restore_rate=100)
    client = ShopifyClient("pace.myshopify.com", lambda: "t", throttle=bucket, sleep=clock.sleep)
    # While it waits, an answer says the bucket is smaller than the query's expected cost.
    answers = [{"maximumAvailable": 500, "currentlyAvailable": 0}]
    clock.on_sleep = lambda: answers and bucket.settle(0, answers.pop())

    assert client._pace(800) == 500
    assert clock.now <= 5.5  # 500 points at 100 a second, not forever
