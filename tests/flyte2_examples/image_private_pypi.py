# Ported from github.com/flyteorg/flyte-sdk examples/image/private_pypi.py (Apache-2.0, commit 7e2d4231b559).
# Unchanged apart from the import line: `import flyte` -> `import flyte_nb as flyte`.
import flyte_nb as flyte
from flyte_nb import Image, Secret

private_package = "git+https://$GITHUB_PAT@github.com/pingsutw/flytex.git@2e20a2acebfc3877d84af643fdd768edea41d533"
image = (
    Image.from_debian_base(install_flyte=True)
    .with_apt_packages("git", "vim", "curl")
    .with_pip_packages(private_package, secret_mounts=Secret("GITHUB_PAT"))
)

env = flyte.TaskEnvironment(name="private_package", image=image)


@env.task
async def t1(data: str = "hello") -> str:
    return f"Hello {data}"


if __name__ == "__main__":
    flyte.init_from_config()
    run = flyte.run(t1, data="world")
    print(run.name)
    print(run.url)
