# CPython built from source: one recipe for every version, variant and profile.
#
# The build context holds this file and `cpython-source.tar` (any compression),
# the upstream source tree with one top-level folder. gilbench passes every
# argument below; all of them, the source's hash and the base image's id make
# up the image's content hash, so an unchanged request never rebuilds.
# Only classic-builder features are used, so any Docker Engine can build it.

ARG BASE_IMAGE

# ---- build: compile and install into /opt/python ---------------------------
FROM ${BASE_IMAGE} AS build
# Marks this stage's images, so that gilbench removes them after the build
# (they hold the compiler and the build tree) and never lists them meanwhile.
ARG STAGE_ID
LABEL org.gilbench.stage=${STAGE_ID} org.gilbench.role=build-stage
# Extra apt options, e.g. "-o Acquire::Check-Valid-Until=false" for a dated mirror.
ARG APT_OPTIONS=""
# LLVM major version for JIT builds (empty for others); the JIT's stencil
# generator also needs a host python3.
ARG LLVM_VERSION=""
RUN set -eux; \
    apt-get ${APT_OPTIONS} update -q; \
    DEBIAN_FRONTEND=noninteractive apt-get ${APT_OPTIONS} install -y -q --no-install-recommends \
        build-essential pkg-config xz-utils ca-certificates \
        libssl-dev zlib1g-dev libbz2-dev liblzma-dev libffi-dev libsqlite3-dev \
        libreadline-dev libncurses-dev libgdbm-dev uuid-dev libzstd-dev \
        ${LLVM_VERSION:+clang-${LLVM_VERSION} llvm-${LLVM_VERSION} python3}; \
    rm -rf /var/lib/apt/lists/*

COPY cpython-source.tar /tmp/cpython-source.tar
# The release the source must be (checked against Include/patchlevel.h), or
# empty to accept whatever a local tree or git ref holds.
ARG PY_VERSION=""
RUN set -eux; \
    mkdir /src; \
    tar -xf /tmp/cpython-source.tar -C /src --strip-components=1; \
    rm /tmp/cpython-source.tar; \
    found="$(sed -n 's/^#define PY_VERSION[[:space:]]*"\(.*\)"/\1/p' /src/Include/patchlevel.h)"; \
    echo "source is CPython ${found}"; \
    if [ -n "${PY_VERSION}" ] && [ "${found}" != "${PY_VERSION}" ]; then \
        echo "error: expected CPython ${PY_VERSION} but the source is ${found}" >&2; exit 1; \
    fi

# Variant and profile flags, e.g. "--disable-gil" or
# "--enable-experimental-jit --enable-optimizations --with-lto".
ARG CONFIGURE_ARGS=""
# The runtime stage installs exactly the Debian packages that own the shared
# libraries the interpreter and its extension modules link to: listed here.
WORKDIR /src
RUN set -eux; \
    ./configure --prefix=/opt/python ${CONFIGURE_ARGS}; \
    make -j"$(nproc)"; \
    make install; \
    cd /opt/python/bin; \
    for exe in python3.*; do case "$exe" in *-config) ;; *) ln -sf "$exe" python3; ln -sf "$exe" python;; esac; done; \
    find /opt/python -name '*.a' -type f -delete; \
    rm -rf /opt/python/lib/python3.*/test /opt/python/lib/python3.*/*/tests; \
    find /opt/python -type f \( -name '*.so' -o -path '*/bin/python3*' \) -exec ldd {} + 2>/dev/null \
        | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u \
        | while read -r lib; do dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true; done \
        | cut -d: -f1 | sort -u > /opt/python/runtime-packages.txt; \
    cat /opt/python/runtime-packages.txt; \
    /opt/python/bin/python3 -c 'import sys, sysconfig; print(sys.version); print(sysconfig.get_config_var("CONFIG_ARGS"))'

# ---- runtime: the installed interpreter, its libraries, a non-root user ----
FROM ${BASE_IMAGE} AS runtime
ARG APT_OPTIONS=""
COPY --from=build /opt/python /opt/python
RUN set -eux; \
    apt-get ${APT_OPTIONS} update -q; \
    DEBIAN_FRONTEND=noninteractive apt-get ${APT_OPTIONS} install -y -q --no-install-recommends \
        ca-certificates $(cat /opt/python/runtime-packages.txt); \
    rm -rf /var/lib/apt/lists/*; \
    useradd --uid 10001 --create-home --shell /bin/sh bench; \
    /opt/python/bin/python3 -c 'import ssl, zlib, hashlib, sqlite3, ctypes, lzma, bz2, decimal'
ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1
USER bench
WORKDIR /home/bench
CMD ["python3"]
