# Thin wrapper over CMake. `make run` starts the server on its defaults; `make test` runs everything.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: deps build run test unit blackbox bench clean format

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/tessera-server

unit: build
	cd $(BUILD) && ctest --output-on-failure

blackbox: build
	cd tests && /usr/bin/python3 -m pytest -q -p no:cacheprovider

test: build
	@scripts/test.sh $(BUILD)

bench: build
	bench/run.sh $(BUILD)/tessera-server

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD)
