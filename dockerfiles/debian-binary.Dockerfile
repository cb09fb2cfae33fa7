# A default (GIL) CPython from Debian's prebuilt python3.X package: no
# compiling, ready in seconds. Newer versions come from the suite named in
# gilbench's version table (e.g. sid). The interpreter is reachable at the
# same fixed prefix as compiled builds, /opt/python/bin/python3.

ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# Extra apt options, e.g. "-o Acquire::Check-Valid-Until=false" for a dated mirror.
ARG APT_OPTIONS=""
ARG SUITE
ARG PACKAGE
RUN set -eux; \
    mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"; \
    if [ -z "$mirror" ]; then \
        mirror="$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"; \
    fi; \
    echo "deb ${mirror:-http://deb.debian.org/debian} ${SUITE} main" > /etc/apt/sources.list.d/gilbench-${SUITE}.list; \
    apt-get ${APT_OPTIONS} update -q; \
    DEBIAN_FRONTEND=noninteractive apt-get ${APT_OPTIONS} install -y -q --no-install-recommends \
        -t "${SUITE}" "${PACKAGE}"; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /opt/python/bin; \
    ln -s "/usr/bin/${PACKAGE}" /opt/python/bin/python3; \
    ln -s "/usr/bin/${PACKAGE}" /opt/python/bin/python; \
    useradd --uid 10001 --create-home --shell /bin/sh bench; \
    /opt/python/bin/python3 -c 'import sys; print(sys.version)'
ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1
USER bench
WORKDIR /home/bench
CMD ["python3"]
