print("strata-fuzz placeholder")
