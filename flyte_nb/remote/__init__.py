"""Finding runs again: ``Run.get(name)``, ``Run.listall()``, each run's actions and their
decks and reports (``DeckView``); and
``UnionRemote``, the Union SDK's remote client over the same backend.

Named after Flyte 2's ``flyte.remote`` so notebook code reads the same; today the handles
read the records of this machine's home folder.
"""

from ._docs import DeckView
from ._run import Action, ActionTree, Run
from ._union import UnionRemote
from ._union_models import RegisteredTask, UnionExecution

__all__ = [
    "Action",
    "ActionTree",
    "DeckView",
    "RegisteredTask",
    "Run",
    "UnionExecution",
    "UnionRemote",
]
