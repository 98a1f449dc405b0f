print("strata-bench placeholder")
