print("dlpack-bench")
Conv2DBench.run()
