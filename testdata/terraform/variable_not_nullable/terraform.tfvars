root_p = null
