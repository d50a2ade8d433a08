module "parent" {
  source     = "./modules/parent"
  principals = ["*", "arn:aws:iam::444455556666:root"]
  org_id     = "o-abc123"
}
