"""Whether the modules' source links still answer, for ``flask content sources --online``.

Official pages move; a source whose link is dead no longer shows where a fact came from. Each
address is asked for once with HEAD and, when the server refuses that (many answer HEAD with 403,
404 or 405), once more with GET. A 2xx or 3xx answer (redirects are followed) is alive.

When no address gets any answer from a server at all (the name cannot be looked up, there is no
route, every connection times out), the machine is offline: that says nothing about the links,
so the report says the check was skipped instead of calling every link dead.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

#: Seconds to wait for each answer: long enough for a slow government site, short enough that a
#: check of every source stays in the order of a minute.
TIMEOUT_SECONDS = 10.0
#: Addresses asked at once; most sources are on different sites.
PARALLEL_REQUESTS = 8
#: Some sites refuse urllib's default agent; say plainly what is asking.
USER_AGENT = "CT Citizen source link check (Python urllib)"
#: The status recorded when a server answered with something that is not readable HTTP.
UNREADABLE_ANSWER = 0


@dataclass(frozen=True)
class LinkAnswer:
    """What one address answered: an HTTP status, or why there was none."""

    url: str
    status: int | None
    reason: str = ""

    @property
    def is_alive(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    @property
    def reached_a_server(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class LinkCheck:
    """The answers for every address checked, by address."""

    answers: dict[str, LinkAnswer]

    @property
    def offline(self) -> bool:
        """No address reached any server: the network, not the links, is what failed."""
        return bool(self.answers) and not any(
            answer.reached_a_server for answer in self.answers.values()
        )

    @property
    def dead(self) -> list[LinkAnswer]:
        return [answer for answer in self.answers.values() if not answer.is_alive]


def check_links(urls: Iterable[str], timeout: float = TIMEOUT_SECONDS) -> LinkCheck:
    """Ask every address (each once, however many sources share it) whether it answers."""
    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
        answers = list(pool.map(lambda url: check_link(url, timeout), unique))
    return LinkCheck({answer.url: answer for answer in answers})


def check_link(url: str, timeout: float = TIMEOUT_SECONDS) -> LinkAnswer:
    """What ``url`` answers to HEAD, or to GET when the server refuses HEAD."""
    answer = _ask(url, "HEAD", timeout)
    if answer.reached_a_server and not answer.is_alive:
        answer = _ask(url, "GET", timeout)
    return answer


def _ask(url: str, method: str, timeout: float) -> LinkAnswer:
    if not url.startswith("https://"):  # never file: or another scheme urllib would open
        return LinkAnswer(url, UNREADABLE_ANSWER, "not an https:// address")
    request = Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - https only, above
            return LinkAnswer(url, response.status)
    except HTTPError as error:
        return LinkAnswer(url, error.code, f"HTTP {error.code} {error.reason}".strip())
    except URLError as error:
        return LinkAnswer(url, None, str(error.reason))
    except OSError as error:  # a timeout or a dropped connection while reading the answer
        return LinkAnswer(url, None, str(error) or type(error).__name__)
    except http.client.HTTPException as error:
        # A server answered, but not with HTTP that can be read: the link is broken.
        return LinkAnswer(url, UNREADABLE_ANSWER, type(error).__name__)
