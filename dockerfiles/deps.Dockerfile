# Python packages installed on top of an interpreter image at build time.
# The build stage has a compiler, the interpreter's headers and pip's
# network settings (index, CA bundle); the runtime stage gets only the
# installed packages, pip's report of them and what each holds
# (contents.py). The build stage is removed
# after the build, so nothing of pip's settings stays in a kept image.

ARG PYTHON_IMAGE
FROM ${PYTHON_IMAGE} AS build
# Marks this stage's images, so that gilbench can remove them afterwards
# (and does not list them as interpreter images meanwhile).
ARG STAGE_ID
LABEL org.gilbench.stage=${STAGE_ID} org.gilbench.role=build-stage
ARG APT_OPTIONS=""
# For Debian's prebuilt interpreters: the headers package and its suite.
ARG DEV_PACKAGE=""
ARG DEV_SUITE=""
USER root
# A C and C++ compiler build packages that have no wheel for this ABI;
# python3-pip-whl gives pip to interpreters configured without it.
RUN set -eux; \
    apt-get ${APT_OPTIONS} update -q; \
    DEBIAN_FRONTEND=noninteractive apt-get ${APT_OPTIONS} install -y -q --no-install-recommends \
        gcc g++ libc6-dev python3-pip-whl; \
    if [ -n "${DEV_PACKAGE}" ]; then \
        DEBIAN_FRONTEND=noninteractive apt-get ${APT_OPTIONS} install -y -q --no-install-recommends \
            -t "${DEV_SUITE}" "${DEV_PACKAGE}"; \
    fi; \
    rm -rf /var/lib/apt/lists/*
COPY pip/ /tmp/pip/
# install.sh sets pip's environment for this one command, and its arguments.
RUN set -eu; \
    . /tmp/pip/install.sh; \
    if python3 -m pip --version >/dev/null 2>&1; then \
        pip="python3 -m pip"; \
    else \
        pip="python3 $(ls /usr/share/python-wheels/pip-*.whl | tail -n 1)/pip"; \
    fi; \
    mkdir -p /opt/deps; \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off \
        $pip install --no-cache-dir --prefer-binary --target /opt/deps/site-packages \
        --report /opt/deps/pip-report.json "$@"; \
    python3 /tmp/pip/contents.py /opt/deps/site-packages /opt/deps/contents.json; \
    rm -rf /tmp/pip

FROM ${PYTHON_IMAGE}
COPY --from=build /opt/deps /opt/deps
ENV PYTHONPATH=/opt/deps/site-packages
