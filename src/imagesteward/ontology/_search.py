"""Autocomplete over labels and synonyms: a sorted word list searched by bisection.

A form field asks on every keystroke, so a query must stay within a few milliseconds on a full
ontology (100 000+ terms). Every word of every label and synonym is kept in one sorted list next
to the term it belongs to and to what kind of word it is (first word of the label, other label
word, synonym word); the words starting with a typed prefix are then a contiguous slice found by
two bisections, and a one-word query is ranked from that slice alone. Only when the slice holds
too few terms does a substring scan run, over one pre-joined string, so that the scan is
``str.find`` in C rather than a Python loop.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right

__all__ = ["NameIndex", "tokens"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Past this many words sharing a prefix ("c", "ce") the best-ranked hits are already among them
# (exact and shortest words sort first); looking further would only cost time.
_PREFIX_SCAN_LIMIT = 3000
# Other query words filter the candidates through their whole slice up to this size.
_FILTER_LIMIT = 60000
_SEPARATOR = "\n"
_HIGHEST = "\U0010ffff"

# Word kinds, stored per word occurrence.
_FIRST_LABEL_WORD, _LABEL_WORD, _SYNONYM_WORD = 0, 1, 2

# Ranks, best first (see NameIndex.search).
LABEL_EQUALS, LABEL_STARTS, SYNONYM_EQUALS, LABEL_WORDS, SYNONYM_WORDS = 0, 1, 2, 3, 4
LABEL_CONTAINS, SYNONYM_CONTAINS = 5, 6


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` (``"single-spot confocal"`` -> ``single, spot, confocal``)."""
    return _WORD.findall(text.casefold())


Hit = tuple[tuple[int, int, str], int]


class NameIndex:
    """Ranked name search over one group of terms (one ontology, or all of them).

    Parameters
    ----------
    entries
        ``(term position, label, synonyms)`` for each term; positions refer to the caller's list.
    """

    def __init__(self, entries: list[tuple[int, str, tuple[str, ...]]]) -> None:
        # Parallel lists and one sort of plain strings: sorting a million (word, kind,
        # position) tuples compares tuples in Python and took seconds on a full ontology.
        keys: list[str] = []
        kinds: list[int] = []
        owners: list[int] = []
        self._labels: dict[int, str] = {}
        self._synonyms: dict[int, tuple[str, ...]] = {}
        names: list[str] = []
        self._offsets: list[int] = []
        self._owners: list[int] = []
        offset = 0
        findall = _WORD.findall
        for position, label, synonyms in entries:
            folded_label = label.casefold()
            folded_synonyms = tuple(s.casefold() for s in synonyms)
            self._labels[position] = folded_label
            if folded_synonyms:
                self._synonyms[position] = folded_synonyms
            for i, word in enumerate(findall(folded_label)):
                kind = _FIRST_LABEL_WORD if i == 0 else _LABEL_WORD
                # The kind after a NUL sorts each word's label occurrences before its synonym
                # occurrences without disturbing the order of the words themselves.
                keys.append(f"{word}\x00{kind}")
                kinds.append(kind)
                owners.append(position)
            for synonym in folded_synonyms:
                for word in findall(synonym):
                    keys.append(f"{word}\x00{_SYNONYM_WORD}")
                    kinds.append(_SYNONYM_WORD)
                    owners.append(position)
            for name in (folded_label, *folded_synonyms):
                self._offsets.append(offset)
                self._owners.append(position)
                names.append(name)
                offset += len(name) + len(_SEPARATOR)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._words = [keys[i].partition("\x00")[0] for i in order]
        self._kinds = [kinds[i] for i in order]
        self._word_owner = [owners[i] for i in order]
        self._haystack = _SEPARATOR.join(names)

    def __len__(self) -> int:
        return len(self._labels)

    def search(self, query: str, limit: int) -> list[Hit]:
        """Best ``limit`` matches as ``(sort key, term position)``, best first.

        The key ranks, in order: the label equals the query; the label starts with it; a
        synonym equals it; every query word starts a word of the label; ... of the label or a
        synonym; the query occurs inside the label; inside a synonym. Ties go to the shorter
        label, then alphabetical order.
        """
        folded = query.strip().casefold()
        words = tokens(folded)
        if not words or limit <= 0:
            return []
        found: dict[int, tuple[int, int, str]] = {}
        if len(words) == 1 and words[0] == folded:
            self._one_word(folded, found)
        else:
            self._many_words(folded, words, found)
        if len(found) < limit:
            self._substring_matches(folded, found, limit)
        best = heapq.nsmallest(limit, found.items(), key=lambda item: item[1])
        return [(key, position) for position, key in best]

    def _slice(self, prefix: str) -> tuple[int, int]:
        start = bisect_left(self._words, prefix)
        return start, bisect_right(self._words, prefix + _HIGHEST, lo=start)

    def _one_word(self, word: str, found: dict[int, tuple[int, int, str]]) -> None:
        start, stop = self._slice(word)
        stop = min(stop, start + _PREFIX_SCAN_LIMIT)
        labels, synonyms = self._labels, self._synonyms
        for i in range(start, stop):
            position = self._word_owner[i]
            kind = self._kinds[i]
            label = labels[position]
            if kind == _FIRST_LABEL_WORD:
                rank = LABEL_EQUALS if label == word else LABEL_STARTS
            elif kind == _LABEL_WORD:
                rank = LABEL_WORDS
            else:
                rank = SYNONYM_EQUALS if word in synonyms[position] else SYNONYM_WORDS
            key = (rank, len(label), label)
            previous = found.get(position)
            if previous is None or key < previous:
                found[position] = key

    def _many_words(
        self, folded: str, words: list[str], found: dict[int, tuple[int, int, str]]
    ) -> None:
        # Start from the rarest word, then keep only the terms that also have a word starting
        # with each other query word: cheap set intersections instead of per-term checks.
        spans = sorted((self._slice(word) for word in words), key=lambda span: span[1] - span[0])
        start, stop = spans[0]
        candidates = set(self._word_owner[start : min(stop, start + _PREFIX_SCAN_LIMIT)])
        for start, stop in spans[1:]:
            if not candidates:
                return
            if stop - start <= _FILTER_LIMIT:
                candidates.intersection_update(self._word_owner[start:stop])
        for position in candidates:
            label = self._labels[position]
            synonyms = self._synonyms.get(position, ())
            if label == folded:
                rank = LABEL_EQUALS
            elif label.startswith(folded):
                rank = LABEL_STARTS
            elif folded in synonyms:
                rank = SYNONYM_EQUALS
            elif _all_prefixed(words, tokens(label)):
                rank = LABEL_WORDS
            elif _all_prefixed(words, [w for name in (label, *synonyms) for w in tokens(name)]):
                rank = SYNONYM_WORDS
            else:
                continue
            found[position] = (rank, len(label), label)

    def _substring_matches(
        self, folded: str, found: dict[int, tuple[int, int, str]], limit: int
    ) -> None:
        haystack, offsets = self._haystack, self._offsets
        start = haystack.find(folded)
        while start >= 0 and len(found) < limit * 4:
            index = bisect_right(offsets, start) - 1
            position = self._owners[index]
            if position not in found:
                label = self._labels[position]
                rank = LABEL_CONTAINS if folded in label else SYNONYM_CONTAINS
                found[position] = (rank, len(label), label)
            if index + 1 >= len(offsets):
                break
            start = haystack.find(folded, offsets[index + 1])


def _all_prefixed(query_words: list[str], name_words: list[str]) -> bool:
    return all(any(word.startswith(q) for word in name_words) for q in query_words)
