terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# Offline provider: dummy credentials, no account lookup. render.sh adds a
# zz_stub_override.tf pointing endpoints.sts at a local STS stub (acct 111111111111).
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIASTUBSTUBSTUBSTUB"
  secret_key                  = "stub"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
