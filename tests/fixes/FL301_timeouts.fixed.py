import urllib.request

import aiohttp
import requests


def legacy(host: str):
    return urllib.request.urlopen(f"https://{host}", timeout=10).read()


def rates():
    return requests.get("https://rates.example.com", timeout=10).json()


async def fetch(url: str):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return await response.text()
