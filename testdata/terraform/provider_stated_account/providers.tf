terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# Offline provider: dummy credentials; the default one looks its account up (allowed_account_ids). render.sh adds a
# zz_stub_override.tf pointing endpoints.sts at a local STS stub (acct 111111111111).
provider "aws" {
  allowed_account_ids         = ["111111111111"]
  region                      = "us-east-1"
  access_key                  = "AKIASTUBSTUBSTUBSTUB"
  secret_key                  = "stub"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

provider "aws" {
  alias                       = "prod"
  region                      = "eu-west-1"
  access_key                  = "AKIASTUBSTUBSTUBSTUB"
  secret_key                  = "stub"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/deploy"
    session_name = "tf"
  }
}
