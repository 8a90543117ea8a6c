import urllib.request

import aiohttp
import requests


def legacy(host: str):
    return urllib.request.urlopen(f"https://{host}").read()


def rates():
    return requests.get("https://rates.example.com", timeout=None).json()


async def fetch(url: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()
