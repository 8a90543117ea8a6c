import backoff
import requests
from tenacity import retry, wait_exponential


@retry(wait=wait_exponential())
def fetch_rates():
    return requests.get("https://rates.example.com", timeout=5).json()


@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=None)
def fetch_news():
    return requests.get("https://news.example.com", timeout=5).json()
