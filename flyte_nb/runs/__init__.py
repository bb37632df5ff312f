"""Where runs go and how they start: ``fl.init``, ``fl.init_from_config``, ``fl.run``,
``fl.with_runcontext``.

``_init`` sets where this process's runs go (home folder, local or a backend, the style of
``Run.outputs()``); ``_start`` starts one, in this kernel (``remote/_kernel_run.py``) or on
the backend (``client``). The package is named ``runs``, not ``run``: a subpackage named
``run`` would replace the ``fl.run`` function as an attribute of ``flyte_nb`` as soon as it
was imported. The top of the SDK layer (docs/architecture.md): nothing in flyte_nb but the
facade and the command line imports it.
"""

from __future__ import annotations

from ._init import init, init_from_config
from ._start import RunContext, run, with_runcontext

__all__ = ["RunContext", "init", "init_from_config", "run", "with_runcontext"]
