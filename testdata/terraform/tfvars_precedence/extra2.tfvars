v_varfile = "650000000000"
