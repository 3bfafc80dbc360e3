// The C++ wrapper in use: open a model, list its inputs and outputs, run one sample,
// print the best class; then show that errors arrive as exceptions.
//   c++ -std=c++17 -I bindings/cpp example.cpp $(pkg-config --cflags --libs dlpk)
//   ./example model.dlpk
#include "dlpk.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s model.dlpk\n", argv[0]);
        return 2;
    }
    try {
        dlpk::Model model = dlpk::Model::open(argv[1]);
        for (const auto& t : model.inputs()) std::printf("input  %s rank %zu\n", t.name.c_str(), t.shape.size());
        for (const auto& t : model.outputs()) std::printf("output %s rank %zu\n", t.name.c_str(), t.shape.size());
        dlpk::TensorInfo input = model.inputs().at(0);
        size_t count = 1;
        std::vector<int64_t> shape;
        for (int64_t d : input.shape) { shape.push_back(d < 0 ? 1 : d); count *= size_t(shape.back()); }
        std::vector<float> x(count, 0.5f);
        dlpk::Session session(model);
        std::vector<dlpk::Output> out = session.run({dlpk::Input(x, shape)});
        const float* scores = out.at(0).data<float>();
        size_t classes = out[0].size_bytes() / sizeof(float), best = 0;
        for (size_t c = 1; c < classes; c++) if (scores[c] > scores[best]) best = c;
        std::vector<std::string> labels = model.labels();
        std::printf("best class %zu (%s) score %.6f\n", best, best < labels.size() ? labels[best].c_str() : "", scores[best]);

        try {
            dlpk::Model::open("/nonexistent.dlpk");
            return 1;
        } catch (const dlpk::Error& e) {
            std::printf("expected error, status %d: %s\n", int(e.status()), e.what());
        }
    } catch (const dlpk::Error& e) {
        std::fprintf(stderr, "error %d: %s\n", int(e.status()), e.what());
        return 1;
    }
    return 0;
}
