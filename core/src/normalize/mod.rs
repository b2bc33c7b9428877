pub mod facts {}
