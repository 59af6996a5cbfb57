"""The indicator stage: the declared catalog computed per buurt, wijk and gemeente, with disclosure control."""
