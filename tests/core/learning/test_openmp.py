"""prefer_passive_waiting: PASSIVE only when the user set nothing and PyTorch's OpenMP runtime is not loaded yet (it
reads the variable once, at load). Its effect on training under load is measured by bench/bench_openmp.py."""

from __future__ import annotations

import os
import sys

from geochem_prospector.core.learning import openmp
from geochem_prospector.core.learning.openmp import WAIT_POLICY, prefer_passive_waiting


def test_sets_passive_when_unset_and_torch_not_loaded(monkeypatch):
    monkeypatch.delenv(WAIT_POLICY, raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(openmp, "set_here", False)
    assert prefer_passive_waiting() is True
    assert os.environ[WAIT_POLICY] == "PASSIVE"
    assert openmp.set_here  # the bench's A/B unsets it for the builds it starts


def test_keeps_the_users_choice(monkeypatch):
    monkeypatch.setenv(WAIT_POLICY, "ACTIVE")
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert prefer_passive_waiting() is False
    assert os.environ[WAIT_POLICY] == "ACTIVE"


def test_does_nothing_once_torch_is_loaded(monkeypatch):
    monkeypatch.delenv(WAIT_POLICY, raising=False)
    monkeypatch.setitem(sys.modules, "torch", object())
    assert prefer_passive_waiting() is False
    assert WAIT_POLICY not in os.environ
