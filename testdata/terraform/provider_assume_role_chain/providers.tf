terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIASTUBSTUBSTUBSTUB"
  secret_key                  = "stub"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/hop"
    session_name = "tf"
  }
  assume_role {
    role_arn     = "arn:aws:iam::333333333333:role/deploy"
    session_name = "tf"
  }
}
