print("dlpack-bench")
