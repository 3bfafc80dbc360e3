// dlpk.hpp — header-only C++17 wrapper of libdlpk's C API (include/dlpk.h).
//
//   dlpk::Model model = dlpk::Model::open("mnist.dlpk");
//   dlpk::Session session(model);
//   std::vector<float> pixels(784);
//   std::vector<dlpk::Output> out = session.run({dlpk::Input(pixels, {1, 784})});
//   const float* scores = out[0].data<float>();
//
// Handles are move-only RAII types; every failing call throws dlpk::Error, which carries
// the status code and the library's message. Thread safety as in dlpk.h: a Model may be
// shared by threads, a Session is used by one thread at a time (cancel() excepted).
#ifndef DLPK_HPP
#define DLPK_HPP

#include <dlpk.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dlpk {

/// A failed call: the status code and the message that names the problem.
class Error : public std::runtime_error {
public:
    Error(dlpk_status status, const std::string& message)
        : std::runtime_error(std::string(dlpk_status_string(status)) + ": " + message), status_(status) {}
    dlpk_status status() const noexcept { return status_; }

private:
    dlpk_status status_;
};

namespace detail {
inline void check(dlpk_status status) {
    if (status != DLPK_OK) throw Error(status, dlpk_last_error_message());
}
struct ModelDeleter { void operator()(dlpk_model* m) const noexcept { dlpk_model_free(m); } };
struct SessionDeleter { void operator()(dlpk_session* s) const noexcept { dlpk_session_free(s); } };
}  // namespace detail

/// A model input or output as declared (-1 marks a dynamic dimension).
struct TensorInfo {
    std::string name;
    dlpk_dtype dtype;
    std::vector<int64_t> shape;

    static TensorInfo from(const dlpk_tensor_info& info) {
        return {info.name, info.dtype, std::vector<int64_t>(info.dims, info.dims + info.rank)};
    }
};

/// An immutable model; copies share it (the library reference-counts the handle's users
/// through sessions, this class through shared_ptr).
class Model {
public:
    static Model open(const std::string& path) {
        dlpk_model* m = nullptr;
        detail::check(dlpk_model_open_file(path.c_str(), nullptr, &m));
        return Model(m);
    }

    /// From the bytes of a .dlpk file, copied (the buffer may go away afterwards).
    static Model from_memory(const void* data, size_t size) {
        dlpk_model* m = nullptr;
        detail::check(dlpk_model_open_memory(data, size, DLPK_MEMORY_COPY, nullptr, &m));
        return Model(m);
    }

    std::string producer() const { return dlpk_model_producer(get()); }
    std::vector<std::string> labels() const {
        std::vector<std::string> out;
        for (size_t i = 0; i < dlpk_model_label_count(get()); i++) out.emplace_back(dlpk_model_label(get(), i));
        return out;
    }
    std::vector<TensorInfo> inputs() const { return infos(dlpk_model_input_count(get()), dlpk_model_input_info); }
    std::vector<TensorInfo> outputs() const { return infos(dlpk_model_output_count(get()), dlpk_model_output_info); }

    dlpk_model* get() const noexcept { return handle_.get(); }

private:
    explicit Model(dlpk_model* m) : handle_(m, detail::ModelDeleter()) {}

    template <typename F>
    std::vector<TensorInfo> infos(size_t count, F info) const {
        std::vector<TensorInfo> out;
        for (size_t i = 0; i < count; i++) {
            dlpk_tensor_info t;
            detail::check(info(get(), i, &t));
            out.push_back(TensorInfo::from(t));
        }
        return out;
    }

    std::shared_ptr<dlpk_model> handle_;
};

/// An input: borrowed data plus its shape (the data must outlive the run).
struct Input {
    dlpk_tensor tensor{};

    Input(const std::vector<float>& values, const std::vector<int64_t>& shape)
        : Input(values.data(), values.size() * sizeof(float), DLPK_DTYPE_F32, shape) {}

    Input(const void* data, size_t bytes, dlpk_dtype dtype, const std::vector<int64_t>& shape) {
        if (shape.size() > DLPK_MAX_RANK) throw Error(DLPK_ERROR_SHAPE_MISMATCH, "rank above DLPK_MAX_RANK");
        tensor.data = const_cast<void*>(data);
        tensor.size = bytes;
        tensor.dtype = dtype;
        tensor.rank = static_cast<int32_t>(shape.size());
        int d = 0;
        for (int64_t v : shape) tensor.dims[d++] = v;
    }
};

/// An output the library allocated; owns its bytes.
class Output {
public:
    dlpk_dtype dtype() const noexcept { return dtype_; }
    const std::vector<int64_t>& shape() const noexcept { return shape_; }
    template <typename T> const T* data() const noexcept { return reinterpret_cast<const T*>(bytes_.data()); }
    size_t size_bytes() const noexcept { return bytes_.size(); }

    static Output from(const dlpk_tensor& t) {
        Output o;
        o.dtype_ = t.dtype;
        o.shape_.assign(t.dims, t.dims + t.rank);
        const unsigned char* p = static_cast<const unsigned char*>(t.data);
        o.bytes_.assign(p, p + t.size);
        return o;
    }

private:
    dlpk_dtype dtype_ = DLPK_DTYPE_F32;
    std::vector<int64_t> shape_;
    std::vector<unsigned char> bytes_;
};

/// One stream of runs of a model (one per thread).
class Session {
public:
    explicit Session(const Model& model, int threads = 1, int batch_size = 1) {
        dlpk_session_options options;
        dlpk_session_options_init(&options);
        options.num_threads = threads;
        options.batch_size = batch_size;
        dlpk_session* s = nullptr;
        detail::check(dlpk_session_create(model.get(), &options, &s));
        handle_.reset(s);
    }

    /// Runs and returns outputs the library sized and allocated.
    std::vector<Output> run(const std::vector<Input>& inputs) {
        std::vector<dlpk_tensor> in;
        for (const Input& i : inputs) in.push_back(i.tensor);
        dlpk_tensor* raw = nullptr;
        size_t count = 0;
        detail::check(dlpk_session_run_alloc(get(), in.data(), in.size(), &raw, &count));
        std::unique_ptr<dlpk_tensor, void (*)(dlpk_tensor*)> guard(raw, [](dlpk_tensor* t) { dlpk_tensors_free(t, 0); });
        std::vector<Output> out;
        for (size_t i = 0; i < count; i++) out.push_back(Output::from(raw[i]));
        return out;
    }

    /// Runs into the caller's output tensors (data and size set; dtype and dims filled in).
    void run(const std::vector<Input>& inputs, std::vector<dlpk_tensor>& outputs) {
        std::vector<dlpk_tensor> in;
        for (const Input& i : inputs) in.push_back(i.tensor);
        detail::check(dlpk_session_run(get(), in.data(), in.size(), outputs.data(), outputs.size()));
    }

    /// Stops the run in progress (or the next one); callable from another thread.
    void cancel() { detail::check(dlpk_session_cancel(get())); }

    dlpk_session* get() const noexcept { return handle_.get(); }

private:
    std::unique_ptr<dlpk_session, detail::SessionDeleter> handle_;
};

}  // namespace dlpk

#endif  // DLPK_HPP
