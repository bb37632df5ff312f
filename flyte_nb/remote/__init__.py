"""Finding runs again: ``Run.get(name)``, ``Run.listall()``, and each run's actions.

Named after Flyte 2's ``flyte.remote`` so notebook code reads the same; today the handles
read the records of this machine's home folder.
"""

from ._run import Action, Run

__all__ = ["Action", "Run"]
