"""The project's summaries as the index holds them (``Summaries``, made on first use) and
the project-wide facts the cache keeps (``ProjectFacts``): Python classes, apart from the
compiled index, as the cache's codec reads their field annotations and a ``Mapping``
subclass cannot be compiled."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from fastlint.analysis.fastapi_model import Role
from fastlint.analysis.module_summary import ModuleSummary


class Deferred:
    """A summary made on first use (``load``): decoded from the cache's file, say."""

    __slots__ = ("load",)

    def __init__(self, load: Callable[[], ModuleSummary]) -> None:
        self.load = load


class Summaries(Mapping[str, ModuleSummary]):
    """The project's summaries by module name, in the order given; a ``Deferred`` one is
    made when first asked for. A run after an edit builds its index from the cache, and
    its checks ask about a few modules: decoding all 1,542 summaries of LARGE took half
    of that run. Iterating the values makes them all."""

    __slots__ = ("_entries", "_pickled")

    def __init__(self, entries: Mapping[str, ModuleSummary | Deferred] | None = None) -> None:
        self._entries: dict[str, ModuleSummary | Deferred] = dict(entries or {})
        self._pickled: dict[str, bytes] = {}  # summaries pickled already, by the process that made them

    def __getitem__(self, name: str) -> ModuleSummary:
        found = self._entries[name]
        return self._made(name, found) if found.__class__ is Deferred else found  # type: ignore[return-value]

    def get(self, name: str, default: ModuleSummary | None = None) -> ModuleSummary | None:  # type: ignore[override]
        found = self._entries.get(name)
        if found is None:
            return default
        return self._made(name, found) if found.__class__ is Deferred else found  # type: ignore[return-value]

    def _made(self, name: str, deferred: Deferred) -> ModuleSummary:
        summary = self._entries[name] = deferred.load()  # in place: the order stays
        return summary

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __setitem__(self, name: str, summary: ModuleSummary) -> None:
        self._entries[name] = summary
        self._pickled.pop(name, None)

    def pop(self, name: str, default: ModuleSummary | None = None) -> ModuleSummary | None:
        self._pickled.pop(name, None)
        found = self._entries.pop(name, None)
        if found is None:
            return default
        return found.load() if found.__class__ is Deferred else found  # type: ignore[return-value]

    def made(self) -> dict[str, ModuleSummary]:
        """Every summary, made now."""
        return {name: self[name] for name in list(self._entries)}

    def keep_pickled(self, pickled: Mapping[str, bytes]) -> None:
        """The pickles of summaries as they are (what a worker of pass 1 sent this process,
        which unpickled it): sending the index to other processes then pickles them no more."""
        self._pickled.update((name, data) for name, data in pickled.items() if name in self._entries)

    def __reduce__(self) -> tuple[Callable[[dict[str, bytes]], Summaries], tuple[dict[str, bytes]]]:
        """What another process is sent: each summary pickled on its own, unpickled there
        when first asked for (a worker's checks read a part of the project's summaries)."""
        import pickle

        made = self.made()
        return _unpickled_on_use, ({name: self._pickled.get(name) or pickle.dumps(summary, pickle.HIGHEST_PROTOCOL) for name, summary in made.items()},)

    def deferred(self) -> int:
        """How many summaries are not made yet."""
        return sum(1 for found in self._entries.values() if found.__class__ is Deferred)


def _unpickled_on_use(pickled: dict[str, bytes]) -> Summaries:
    import pickle
    from functools import partial

    return Summaries({name: Deferred(partial(pickle.loads, data)) for name, data in pickled.items()})


@dataclass
class ProjectFacts:
    """The answers about the whole project that cross-module questions share, as plain data:
    a function of the summaries (and the modules' aliases) alone, so a later run over the
    same summaries adopts them instead of reading every summary again."""

    registered: dict[str, dict[str, tuple[Role, ...]]]  # ``_registrations``
    registrations_read: frozenset[str]  # the modules resolving them looked at
    reach: dict[str, dict[str, str]]  # ``_reachability``
    serves: bool
    models_by_name: dict[str, list[str]]  # ``_models_by_short_name``
    state_writes: dict[str, list[str]]  # ``_state_writes``
