print("dlpack")
