partner_principals = [
  "arn:aws:iam::444455556666:root",
]
