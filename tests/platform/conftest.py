import pytest
from django.test import Client

from tests.conftest import PASSWORD


@pytest.fixture
def main_client(db):
    return Client(HTTP_HOST="localhost")


def sign_up_data(**overrides) -> dict:
    data = {
        "company_name": "Initech Retail",
        "full_name": "Bill Lumbergh",
        "email": "bill@initech.example",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data
