"""Apps: long-running processes (dashboards, APIs) the backend deploys and supervises.

Flyte 2's ``flyte.app``: ``AppEnvironment`` says what to run and on which port,
``Parameter`` what the app receives (a string, a file, a folder, or a ``RunOutput``: the
output of a recorded run, resolved when the app is deployed), ``Scaling`` how many
replicas. ``UnionRemote().deploy_app(app)`` deploys one; ``flyte_nb.remote.App`` follows
it. The backend's side lives in ``flyte_nb/backend/_apps.py``; see docs/apps.md.
"""

from ._environment import AppEnvironment, Scaling
from ._parameter import Parameter
from ._run_output import RunOutput

__all__ = ["AppEnvironment", "Parameter", "RunOutput", "Scaling"]
