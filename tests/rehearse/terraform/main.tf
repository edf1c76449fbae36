terraform {
  required_providers { aws = { source = "hashicorp/aws", version = "5.100.0" } }
}
provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
resource "aws_ebs_snapshot_copy" "backup" {
  source_snapshot_id = "snap-1a2b3c4d"
  source_region      = "eu-west-2"
  description        = "tf copy"
  tags = { Name = "tf-backup" }
}
resource "aws_ami_copy" "copy" {
  name              = "tf-copy"
  source_ami_id     = "ami-1a2b3c4d"
  source_ami_region = "eu-west-2"
  tags = { Team = "web" }
}
